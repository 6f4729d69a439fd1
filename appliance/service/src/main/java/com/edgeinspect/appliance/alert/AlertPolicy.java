package com.edgeinspect.appliance.alert;

import com.edgeinspect.appliance.track.Track;
import com.edgeinspect.appliance.track.Tracker;
import com.edgeinspect.core.alert.AlertEvent;
import com.edgeinspect.core.dataset.Box;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.BiFunction;

/**
 * Turns tracks into alerts so that one defective part gives one alert, not one per frame and not one per defect.
 * A track raises an alert once its evidence suffices: at least {@code confirmHits} sightings, spread over at least
 * {@code confirmFrames} stream frames, in at least {@code confirmRate} of the frames processed since its first
 * sighting, with a mean score of at least the model's alert threshold. Span and rate are what make the rule hold at
 * any processing rate: a box that keeps up with the camera sees a flickering false detection many times in a few
 * frames, one that processes one frame in six sees a real defect only a few times in a second.
 * A confirmed track that appears within {@code groupRadiusPx} of an open alert's predicted position (its lead's or
 * its most recently seen member's, whichever is nearer: a lead seen long ago drifts with its velocity's error) joins
 * that alert (another defect on the same part, or the same defect after the tracker lost it) and says so with an
 * {@code update}. An alert ends {@code cooldownFrames} after its part was last seen: until then it absorbs
 * re-sightings instead of raising new alerts. Not thread-safe: one policy per stream worker.
 */
public final class AlertPolicy {

    /**
     * @param confirmHits sightings before a track may raise an alert
     * @param confirmFrames stream frames from a track's first to its latest sighting before it may raise an alert
     * @param confirmRate share of the processed frames since its first sighting in which a track must have been seen
     * @param groupRadiusPx confirmed tracks this close to an open alert join it; 0 keeps every track apart
     * @param cooldownFrames frames after the last sighting before an alert ends
     */
    public record Settings(int confirmHits, int confirmFrames, double confirmRate, double groupRadiusPx,
            int cooldownFrames) {
        public Settings {
            if (confirmHits < 1 || confirmFrames < 0 || !(confirmRate >= 0 && confirmRate <= 1) || groupRadiusPx < 0
                    || cooldownFrames < 0) {
                throw new IllegalArgumentException("alert settings out of range");
            }
        }
    }

    /**
     * What the active model calls its classes and itself, and the mean score a track needs to raise an alert; it may
     * change between frames (hot swap).
     */
    public record Model(String version, List<String> classNames, double alertThreshold) {}

    private final Settings settings;
    private final String device;
    private final String stream;
    private final BiFunction<Double, Double, String> zoneAt;
    private final List<Open> open = new ArrayList<>();
    private final Map<Long, Open> byTrack = new HashMap<>();

    /** @param zoneAt the zone name at a frame position, or null */
    public AlertPolicy(Settings settings, String device, String stream, BiFunction<Double, Double, String> zoneAt) {
        this.settings = settings;
        this.device = device;
        this.stream = stream;
        this.zoneAt = zoneAt;
    }

    /** Feeds one frame's tracking step; returns the messages it causes, in order. */
    public List<AlertEvent> update(long frame, Instant time, Tracker.Step step, Model model) {
        List<AlertEvent> out = new ArrayList<>();
        for (Track t : step.seen()) {
            Open a = byTrack.get(t.id());
            if (a != null) {
                a.saw(t, frame);
                if (a.classId != a.lead.classId()) {
                    a.classId = a.lead.classId();
                    out.add(a.event(AlertEvent.UPDATE, frame, time, model));
                }
            } else if (confirmed(t, model)) {
                a = nearest(t, frame);
                if (a == null) {
                    a = new Open(t, frame, zoneAt.apply(t.box().centerX(), t.box().centerY()));
                    open.add(a);
                    byTrack.put(t.id(), a);
                    out.add(a.event(AlertEvent.NEW, frame, time, model));
                } else {
                    byTrack.put(t.id(), a);
                    a.tracks++;
                    a.saw(t, frame);
                    out.add(a.event(AlertEvent.UPDATE, frame, time, model));
                }
            }
        }
        for (Track t : step.ended()) {
            byTrack.remove(t.id());
        }
        for (Iterator<Open> it = open.iterator(); it.hasNext(); ) {
            Open a = it.next();
            if (frame - a.lastFrame > settings.cooldownFrames()) {
                it.remove();
                byTrack.values().removeIf(x -> x == a);
                out.add(a.event(AlertEvent.END, frame, time, model));
            }
        }
        return out;
    }

    private boolean confirmed(Track t, Model model) {
        return t.hits() >= settings.confirmHits() && t.lastSeen() - t.firstSeen() >= settings.confirmFrames()
                && t.hits() >= settings.confirmRate() * t.frames() && t.meanScore() >= model.alertThreshold();
    }

    /** Alerts not yet ended. */
    public int openAlerts() {
        return open.size();
    }

    private Open nearest(Track t, long frame) {
        Open best = null;
        double bestDistance = settings.groupRadiusPx();
        for (Open a : open) {
            double d = Math.min(a.lead.predict(frame).centreDistance(t.box()),
                    a.latest.predict(frame).centreDistance(t.box()));
            if (d <= bestDistance) {
                best = a;
                bestDistance = d;
            }
        }
        return best;
    }

    /** An alert between its new and end messages. */
    private final class Open {
        final String id = UUID.randomUUID().toString();
        final long firstFrame;
        final String zone;
        Track lead;
        /** The member track seen last: its prediction is the freshest, where the lead's may have drifted. */
        Track latest;
        int classId;
        int tracks = 1;
        int messages;
        long lastFrame;
        float score;
        Box box;

        Open(Track t, long frame, String zone) {
            this.lead = t;
            this.firstFrame = t.firstSeen();
            this.zone = zone;
            this.classId = t.classId();
            saw(t, frame);
        }

        /** The lead track (the best-scoring defect) names the class and carries the box. */
        void saw(Track t, long frame) {
            if (t.bestScore() > lead.bestScore()) {
                lead = t;
            }
            latest = t;
            lastFrame = frame;
            score = Math.max(score, t.bestScore());
            box = t.box();
        }

        AlertEvent event(String type, long frame, Instant time, Model model) {
            String name = classId < model.classNames().size() ? model.classNames().get(classId) : "class" + classId;
            return new AlertEvent(id, type, messages++, device, stream, time.toString(), frame, name, classId, score,
                    box, tracks, zone, model.version(), firstFrame, lastFrame);
        }
    }
}
