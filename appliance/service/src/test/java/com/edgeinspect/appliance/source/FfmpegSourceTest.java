package com.edgeinspect.appliance.source;

import static org.assertj.core.api.Assertions.assertThat;

import com.edgeinspect.appliance.config.ApplianceConfig;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Real H.264 decoding of a committed test clip through the appliance's stream source. */
class FfmpegSourceTest {

    static final Path CLIP = Path.of("../../test-videos/mixed-defects.mp4"); // relative to this module

    static void await(java.util.function.BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(20);
        }
    }

    @Test
    void decodesEveryFrameOfAFileThenEnds() throws Exception {
        try (FfmpegSource s = new FfmpegSource(new ApplianceConfig.Stream("t", CLIP.toString(), false, false, null, null, null, null)).start()) {
            long seen = 0;
            long last = -1; // sequences start at 0
            while (s.state() != StreamState.ENDED || last < s.decoded() - 1) {
                FrameBuffer f = s.frames().take(100, TimeUnit.MILLISECONDS);
                if (f != null) {
                    assertThat(f.width()).isEqualTo(1920);
                    assertThat(f.height()).isEqualTo(1080);
                    assertThat(f.sequence()).isGreaterThan(last);
                    last = f.sequence();
                    seen++;
                    s.frames().release(f);
                }
            }
            assertThat(s.decoded()).isEqualTo(300);
            assertThat(seen + s.frames().dropped()).isEqualTo(300);
            assertThat(s.failures()).isZero();
        }
    }

    @Test
    void loopingFileKeepsGoingPastItsEnd() throws Exception {
        try (FfmpegSource s = new FfmpegSource(new ApplianceConfig.Stream("t", CLIP.toString(), true, false, null, null, null, null)).start()) {
            await(() -> s.decoded() > 350, "a second pass over the clip");
            assertThat(s.state()).isEqualTo(StreamState.RUNNING);
        }
    }

    @Test
    void missingSourceIsRetriedWithItsErrorVisible() throws Exception {
        try (FfmpegSource s = new FfmpegSource(new ApplianceConfig.Stream("t", "/nonexistent/cam.mp4", false, true, null, null, null, null))
                .start()) {
            await(() -> s.state() == StreamState.RECONNECTING, "reconnecting state");
            assertThat(s.lastError()).contains("/nonexistent/cam.mp4");
            await(() -> s.failures() >= 2, "a second attempt after the backoff");
        }
    }
}
