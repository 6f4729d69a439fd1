package com.edgeinspect.core.metrics;

import com.edgeinspect.core.dataset.Box;
import com.edgeinspect.core.dataset.VideoAnnotations;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Scores alerts against an annotated clip at the level that matters on a line: one defective part, one alert. An
 * alert is placed on the part whose box holds the alert box's centre in the alert's frame. It is a true alert when
 * that part is defective and had no alert yet; a second alert on the same part is a duplicate, and an alert on a
 * good part or on the bare belt is false. Duplicates and false alerts both count against precision.
 */
public final class EventEvaluator {

    private final VideoAnnotations truth;
    private final Set<Long> alerted = new HashSet<>();
    private int alerts;
    private final List<Long> duplicated = new ArrayList<>();
    private final List<Long> falseAt = new ArrayList<>();

    public EventEvaluator(VideoAnnotations truth) {
        this.truth = truth;
    }

    /** Records one new alert raised on frame {@code frame} of the clip (0-based). */
    public void add(long frame, Box box) {
        alerts++;
        VideoAnnotations.Part part = partAt((int) Math.floorMod(frame, (long) truth.frames().size()), box);
        if (part == null || !part.defective()) {
            falseAt.add(frame);
        } else if (!alerted.add(part.track())) {
            duplicated.add(part.track());
        }
    }

    private VideoAnnotations.Part partAt(int frame, Box box) {
        for (VideoAnnotations.PartBox p : truth.frames().get(frame).parts()) {
            if (p.box().contains(box.centerX(), box.centerY())) {
                return truth.part(p.track());
            }
        }
        return null;
    }

    public long defectiveParts() {
        return truth.parts().stream().filter(VideoAnnotations.Part::defective).count();
    }

    public int alerts() {
        return alerts;
    }

    /** True when the part of track {@code track} got an alert. */
    public boolean found(long track) {
        return alerted.contains(track);
    }

    /** The defective parts that got no alert. */
    public List<VideoAnnotations.Part> missed() {
        return truth.parts().stream().filter(p -> p.defective() && !found(p.track())).toList();
    }

    public int truePositives() {
        return alerted.size();
    }

    public int duplicates() {
        return duplicated.size();
    }

    public int falseAlerts() {
        return falseAt.size();
    }

    /** Defective parts that got an alert; 1 when the clip has none. */
    public double recall() {
        long n = defectiveParts();
        return n == 0 ? 1 : (double) alerted.size() / n;
    }

    /** Alerts that were the first on a defective part; 1 when there were no alerts. */
    public double precision() {
        return alerts == 0 ? 1 : (double) alerted.size() / alerts;
    }

    @Override
    public String toString() {
        return String.format(java.util.Locale.ROOT, "%d alerts: %d/%d defective parts found (recall %.3f), "
                + "%d duplicates, %d false (precision %.3f); parts missed %s, alerted again %s, false at frames %s",
                alerts, alerted.size(), defectiveParts(), recall(), duplicated.size(), falseAt.size(), precision(),
                missed().stream().map(VideoAnnotations.Part::track).toList(), duplicated, falseAt);
    }
}
