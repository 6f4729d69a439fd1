package com.edgeinspect.appliance.systemd;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The watchdog's rule: a delivering stream that processed no frame since the last check is stalled, unless its frame
 * in progress is the first at a new input shape (a TensorRT engine build), and then only up to the limit.
 */
class ProgressTest {

    private static final long SECOND = 1_000_000_000L;

    @Test
    void aStreamThatProcessesNothingIsStalledFromTheSecondCheck() {
        Progress p = new Progress();
        assertThat(p.check(List.of(new Progress.Stream("line1", true, 0, -1))).alive()).as("nothing seen before")
                .isTrue();
        assertThat(p.check(List.of(new Progress.Stream("line1", true, 5, -1))).alive()).isTrue();
        Progress.Verdict v = p.check(List.of(new Progress.Stream("line1", true, 5, -1)));
        assertThat(v.alive()).isFalse();
        assertThat(v.stalled()).containsExactly("line1");
    }

    @Test
    void aCameraThatIsAwayIsNotStalled() {
        Progress p = new Progress();
        p.check(List.of(new Progress.Stream("line1", false, 7, -1)));
        assertThat(p.check(List.of(new Progress.Stream("line1", false, 7, -1))).alive()).isTrue();
    }

    @Test
    void aFirstFrameAtANewShapeIsWaitedForUpToTheLimit() {
        Progress p = new Progress();
        long limit = Progress.BUILD_LIMIT.toNanos();
        p.check(List.of(new Progress.Stream("line1", true, 0, 2 * SECOND), new Progress.Stream("line2", true, 40, -1)));
        Progress.Verdict building = p.check(List.of(new Progress.Stream("line1", true, 0, 120 * SECOND),
                new Progress.Stream("line2", true, 70, -1)));
        assertThat(building.alive()).isTrue();
        assertThat(building.building()).containsExactly("line1");

        Progress.Verdict over = p.check(List.of(new Progress.Stream("line1", true, 0, limit + SECOND),
                new Progress.Stream("line2", true, 100, -1)));
        assertThat(over.stalled()).as("an engine build past the limit is a stuck detector").containsExactly("line1");

        Progress.Verdict other = p.check(List.of(new Progress.Stream("line1", true, 1, -1),
                new Progress.Stream("line2", true, 100, 5 * SECOND)));
        assertThat(other.alive()).as("the build finished on line1; line2 starts its own").isTrue();
        assertThat(other.building()).containsExactly("line2");
        assertThat(p.check(List.of(new Progress.Stream("line1", true, 1, -1),
                new Progress.Stream("line2", true, 101, -1))).stalled()).containsExactly("line1");
    }
}
