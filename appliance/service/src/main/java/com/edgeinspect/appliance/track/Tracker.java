package com.edgeinspect.appliance.track;

import com.edgeinspect.core.detect.Detection;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;

/**
 * Gives each defect one stable id across frames. Tracks are matched to detections by the distance between the
 * track's predicted centre and the detection's centre, greedily from the closest pair, class-agnostic (the class is
 * voted over the track's life). A track seen once has no velocity yet, so it accepts anything within the belt's
 * maximum travel; a moving track accepts only what lies near its prediction (moved by the belt's velocity, learnt
 * from all tracks' sightings, once known). Tracks with a velocity are matched first so a young track cannot steal
 * their detections. A detection left over that overlaps one taken in the same frame is the same defect called another
 * class: it joins that track's sighting instead of starting a track of its own. A track unseen for
 * {@code lostAfterFrames} ends.
 *
 * <p>Time is the stream's frame sequence, so motion is in pixels per frame and dropped frames simply widen the step.
 * Not thread-safe: one tracker per stream worker.
 */
public final class Tracker {

    /** Detections of one frame overlapping this much are one defect (the model peaked there in two classes). */
    private static final double SAME_DEFECT_IOU = 0.5;

    /**
     * @param maxSpeedPx the fastest a part moves, in pixels per frame
     * @param tolerancePx how far a detection's centre may stray from the prediction
     * @param lostAfterFrames frames without a sighting after which a track ends
     * @param beltMotion predict every track with the velocity learnt from all of them (one belt in view)
     */
    public record Settings(double maxSpeedPx, double tolerancePx, int lostAfterFrames, boolean beltMotion) {
        public Settings {
            if (maxSpeedPx < 0 || tolerancePx < 0 || lostAfterFrames < 1) {
                throw new IllegalArgumentException("tracker settings must be non-negative, lost_after_frames >= 1");
            }
        }
    }

    /** What one frame did: tracks seen in it (new or continued) and tracks that ended before it. */
    public record Step(List<Track> seen, List<Track> ended) {}

    private final Settings settings;
    private final int classes;
    private final List<Track> tracks = new ArrayList<>();
    private final BeltMotion belt;
    private long nextId = 1;

    public Tracker(Settings settings, int classes) {
        this.settings = settings;
        this.classes = classes;
        this.belt = settings.beltMotion() ? new BeltMotion() : null;
    }

    public Step update(long sequence, List<Detection> detections) {
        List<Track> ended = new ArrayList<>();
        for (Iterator<Track> it = tracks.iterator(); it.hasNext(); ) {
            Track t = it.next();
            if (sequence - t.lastSeen() > settings.lostAfterFrames()) {
                it.remove();
                ended.add(t);
            } else {
                t.tick();
            }
        }
        Track[] takenBy = new Track[detections.size()];
        List<Track> seen = new ArrayList<>();
        match(sequence, detections, takenBy, seen, true);
        match(sequence, detections, takenBy, seen, false);
        List<Integer> rest = new ArrayList<>();
        for (int i = 0; i < detections.size(); i++) {
            if (takenBy[i] == null) {
                rest.add(i);
            }
        }
        rest.sort(Comparator.comparingDouble(i -> -detections.get(i).score()));
        for (int i : rest) {
            Track same = sameDefect(detections, takenBy, i);
            if (same != null) {
                same.alsoSaw(detections.get(i));
                takenBy[i] = same;
            } else {
                Track t = new Track(nextId++, detections.get(i), sequence, classes, belt);
                takenBy[i] = t;
                tracks.add(t);
                seen.add(t);
            }
        }
        if (belt != null) {
            belt.endFrame();
        }
        return new Step(seen, ended);
    }

    /** The track that took a detection of this frame overlapping detection {@code i} as one defect, or null. */
    private static Track sameDefect(List<Detection> detections, Track[] takenBy, int i) {
        for (int j = 0; j < detections.size(); j++) {
            if (takenBy[j] != null && detections.get(j).box().iou(detections.get(i).box()) >= SAME_DEFECT_IOU) {
                return takenBy[j];
            }
        }
        return null;
    }

    /** Live tracks, oldest first. */
    public List<Track> tracks() {
        return List.copyOf(tracks);
    }

    private void match(long sequence, List<Detection> detections, Track[] takenBy, List<Track> seen, boolean moving) {
        record Pair(Track track, int detection, double distance) {}
        List<Pair> pairs = new ArrayList<>();
        for (Track t : tracks) {
            if ((t.hits() > 1) != moving || t.lastSeen() == sequence) {
                continue;
            }
            long dt = sequence - t.lastSeen();
            var p = t.predict(sequence);
            double reach = Math.max(p.width(), p.height()) / 2 + settings.tolerancePx()
                    + (moving ? 0.25 * t.speed() * dt : settings.maxSpeedPx() * dt);
            for (int i = 0; i < detections.size(); i++) {
                if (takenBy[i] != null) {
                    continue;
                }
                double d = detections.get(i).box().centreDistance(p);
                if (d <= reach) {
                    pairs.add(new Pair(t, i, d));
                }
            }
        }
        pairs.sort(Comparator.comparingDouble(Pair::distance));
        for (Pair pr : pairs) {
            if (takenBy[pr.detection()] == null && pr.track().lastSeen() != sequence) {
                takenBy[pr.detection()] = pr.track();
                pr.track().update(detections.get(pr.detection()), sequence);
                seen.add(pr.track());
            }
        }
    }
}
