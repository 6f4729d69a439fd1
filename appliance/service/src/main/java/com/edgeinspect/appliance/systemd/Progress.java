package com.edgeinspect.appliance.systemd;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The watchdog's judgement of the line, one check at a time: every stream whose source delivers frames must have
 * processed one since the last check. Excused for at most {@link #BUILD_LIMIT}: a stream inside its first frame at an
 * input shape the model has not run yet, which on TensorRT builds an engine (minutes on a Jetson; a camera at another
 * resolution than the warm-up assumed, or a model swapped in before a stream's first frame). Without the excuse the
 * service would be restarted in the middle of every build, and never finish one. A camera that is away (not
 * delivering) is never stalled: a restart would not bring it back.
 */
public final class Progress {

    /** Longest first frame at a new shape the watchdog waits for. */
    public static final Duration BUILD_LIMIT = Duration.ofMinutes(20);

    /**
     * One stream at a check.
     *
     * @param buildingNanos how long the stream's first frame at a shape new to its model has been running, or -1
     */
    public record Stream(String name, boolean delivering, long processed, long buildingNanos) {}

    /**
     * @param stalled the streams that made no progress since the last check
     * @param building the streams excused while their first frame at a new shape runs
     */
    public record Verdict(List<String> stalled, List<String> building) {

        public boolean alive() {
            return stalled.isEmpty();
        }
    }

    /** Frames processed per stream at the last check. */
    private final Map<String, Long> seen = new HashMap<>();

    public Verdict check(List<Stream> streams) {
        List<String> stalled = new ArrayList<>();
        List<String> building = new ArrayList<>();
        for (Stream s : streams) {
            Long before = seen.put(s.name(), s.processed());
            if (!s.delivering() || before == null || before != s.processed()) {
                continue;
            }
            if (s.buildingNanos() >= 0 && s.buildingNanos() < BUILD_LIMIT.toNanos()) {
                building.add(s.name());
            } else {
                stalled.add(s.name());
            }
        }
        return new Verdict(stalled, building);
    }
}
