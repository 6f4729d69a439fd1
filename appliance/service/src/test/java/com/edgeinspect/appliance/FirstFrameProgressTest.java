package com.edgeinspect.appliance;

import static org.assertj.core.api.Assertions.assertThat;

import com.edgeinspect.appliance.config.ApplianceConfig;
import com.edgeinspect.appliance.metrics.Metrics;
import com.edgeinspect.appliance.model.ActiveModel;
import com.edgeinspect.appliance.model.ModelLoader;
import com.edgeinspect.appliance.systemd.Progress;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a stream shows the watchdog while its first frame at an input shape new to its model runs (on TensorRT, an
 * engine build of minutes): the watchdog, checking meanwhile, excuses it as building instead of calling it stalled,
 * and once frames at that shape are routine nothing is excused. A model that was never warmed meets the clip's 1080p
 * frames here; on CPU that first frame takes a few hundred milliseconds, which the test watches closely.
 */
class FirstFrameProgressTest {

    @TempDir
    Path tmp;

    @Test
    void aFirstFrameAtANewShapeIsExcusedWhileItRuns() throws Exception {
        ApplianceConfig config = Harness.load(Harness.config("clean-line", Mosquitto.freePort(), tmp), "first-frame");
        try (ActiveModel model = new ActiveModel(new ModelLoader(config.model())
                .load(Path.of(config.model().bundle())))) {
            StreamRunner line = new StreamRunner(config, config.streams().get(0), model, new Metrics(),
                    (events, snapshot, decoded) -> { }, Clock.systemUTC());
            assertThat(line.progress().buildingNanos()).as("nothing running yet").isEqualTo(-1);
            Progress watchdog = new Progress();
            boolean excused = false;
            long deadline = System.nanoTime() + 60_000_000_000L;
            line.start();
            try {
                // Checks only while the frame runs: the box's watchdog checks every few seconds, never across the
                // milliseconds between the camera's first frame and the detector taking it.
                while (line.processed() == 0 && System.nanoTime() < deadline) {
                    Progress.Stream now = line.progress();
                    if (now.buildingNanos() >= 0) {
                        Progress.Verdict v = watchdog.check(List.of(now));
                        assertThat(v.alive()).as("a first frame at a new shape is not a stall").isTrue();
                        excused |= v.building().contains("line1");
                    }
                    Thread.sleep(1);
                }
                assertThat(line.processed()).as("the first frame processed").isPositive();
                assertThat(excused).as("the watchdog, checking during the first frame, excused it").isTrue();
                while (line.processed() < 5 && System.nanoTime() < deadline) {
                    Thread.sleep(10);
                }
                assertThat(line.progress().buildingNanos()).as("frames at a shape already run are not excused")
                        .isEqualTo(-1);
            } finally {
                line.close();
            }
        }
    }
}
