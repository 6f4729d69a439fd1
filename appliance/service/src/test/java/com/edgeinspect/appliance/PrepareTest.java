package com.edgeinspect.appliance;

import static org.assertj.core.api.Assertions.assertThat;

import com.edgeinspect.appliance.config.ApplianceConfig;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --prepare}, and the appliance before it reports itself ready, warm the model at every input size the configured streams will feed it (on TensorRT, one engine
 * each), not only at the whole 1080p frame: a stream with a region of interest would otherwise build its engine on
 * its first live frame.
 */
class PrepareTest {

    @TempDir
    Path tmp;

    @Test
    void everyStreamsRegionOfA1080pFrameIsAShapeToWarm() throws Exception {
        String yaml = Harness.config("mixed-defects", 1883, tmp).replace(
                "  - {name: line1, url: \"" + Harness.REPO.resolve("test-videos/mixed-defects.mp4") + "\", loop: false, "
                        + "realtime: true}",
                """
                  - {name: whole, url: a.mp4}
                  - {name: again, url: b.mp4}
                  - {name: belt, url: c.mp4, roi: {x: 0, y: 60, width: 1920, height: 960}}
                  - {name: edge, url: d.mp4, roi: {x: 1800, y: 0, width: 400, height: 2000}}""");
        ApplianceConfig config = Harness.load(yaml, "prepare.yaml");
        assertThat(config.streams()).hasSize(4);

        assertThat(Appliance.expectedShapes(config)).containsExactly(
                new long[] {1, 3, 1088, 1920}, // whole frames, once for both streams
                new long[] {1, 3, 960, 1920},
                new long[] {1, 3, 1088, 128}); // the region cut to the frame: 120 x 1080, padded
        assertThat(config.streams().get(3).region(1920, 1080))
                .isEqualTo(new ApplianceConfig.Rect(1800, 0, 120, 1080));
        assertThat(config.streams().get(3).region(1280, 720)).as("a camera back at another resolution")
                .isEqualTo(new ApplianceConfig.Rect(1264, 0, 16, 720));
    }

    @Test
    void theApplianceWarmsEveryStreamsShapeBeforeItsFirstFrame() throws Exception {
        String yaml = Harness.config("mixed-defects", Mosquitto.freePort(), tmp.resolve("state")).replace(
                "  - {name: line1, url: \"" + Harness.REPO.resolve("test-videos/mixed-defects.mp4") + "\", loop: false, "
                        + "realtime: true}",
                """
                  - {name: belt, url: "%s", roi: {x: 0, y: 60, width: 1920, height: 960}}"""
                        .formatted(tmp.resolve("camera-not-there.mp4")));
        try (Appliance box = Appliance.start(Harness.load(yaml, "warm.yaml"))) {
            assertThat(box.serving().detector().ran(new long[] {1, 3, 960, 1920}))
                    .as("the region's shape ran before any frame came").isTrue();
            assertThat(box.serving().detector().ran(new long[] {1, 3, 720, 1280})).isFalse();
            assertThat(box.inputShapes()).as("what a swapped-in model is warmed at, before the first frame")
                    .containsExactly(new long[] {1, 3, 960, 1920});
        }
    }
}
