package com.edgeinspect.appliance.install;

import static org.assertj.core.api.Assertions.assertThat;

import com.edgeinspect.appliance.config.ApplianceConfig;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Probation condemns a model only after three bad checks in a row, and clears it once its time is served. */
class ProbationTest {

    static final long S = 1_000_000_000L;
    final ApplianceConfig.Install settings = new ApplianceConfig.Install(null, null, 10, 100, 60, null, null, null);

    static Probation.Health ok(long alerts) {
        return new Probation.Health(List.of(), 50, alerts);
    }

    @Test
    void oneSlowFrameIsNotATrendThreeAre() {
        Probation p = new Probation(settings, ok(0), 0);
        Probation.Health slow = new Probation.Health(List.of(), 250, 0);
        assertThat(p.check(slow, S).failed()).isNull();
        assertThat(p.check(ok(0), 2 * S).failed()).isNull(); // the run of bad checks is broken
        assertThat(p.check(slow, 3 * S).failed()).isNull();
        assertThat(p.check(slow, 4 * S).failed()).isNull();
        assertThat(p.check(slow, 5 * S).failed()).isEqualTo("inference takes 250 ms, over the bound of 100 ms");
    }

    @Test
    void failingFramesAndAnAlertStormCondemnAHealthyRunPasses() {
        Probation frames = new Probation(settings, ok(0), 0);
        Probation.Health failing = new Probation.Health(List.of("line1: NaN"), 50, 0);
        for (int i = 1; i < 3; i++) {
            assertThat(frames.check(failing, i * S).failed()).isNull();
        }
        assertThat(frames.check(failing, 3 * S).failed()).contains("frames fail").contains("line1");

        Probation storm = new Probation(settings, ok(1000), 0);
        for (int i = 1; i < 3; i++) {
            storm.check(ok(1000 + 61), i * S);
        }
        assertThat(storm.check(ok(1000 + 61), 3 * S).failed()).startsWith("61 new alerts");

        Probation calm = new Probation(settings, ok(5), 0);
        assertThat(calm.check(ok(10), 9 * S).passed()).isFalse();
        assertThat(calm.check(ok(12), 10 * S).passed()).isTrue();
    }
}
