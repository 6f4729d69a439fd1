package com.edgeinspect.appliance.source;

import static org.assertj.core.api.Assertions.assertThat;

import com.edgeinspect.appliance.config.ApplianceConfig;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Real H.264 decoding of a committed test clip through each of the appliance's decoders. */
class FrameSourceTest {

    /** The decoders every source test runs with: FFmpeg, and GStreamer with the software H.264 decoder. */
    static java.util.List<String> decoders() {
        return java.util.List.of("ffmpeg", "avdec_h264");
    }

    static ApplianceConfig.Stream stream(String url, boolean loop, boolean realtime, String decoder) {
        return new ApplianceConfig.Stream("t", url, loop, realtime, null, null, null, null, null, decoder);
    }

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

    @ParameterizedTest
    @MethodSource("com.edgeinspect.appliance.source.FrameSourceTest#decoders")
    void decodesEveryFrameOfAFileThenEnds(String decoder) throws Exception {
        try (FrameSource s = FrameSource.of(stream(CLIP.toString(), false, false, decoder)).start()) {
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

    @ParameterizedTest
    @MethodSource("com.edgeinspect.appliance.source.FrameSourceTest#decoders")
    void loopingFileKeepsGoingPastItsEnd(String decoder) throws Exception {
        try (FrameSource s = FrameSource.of(stream(CLIP.toString(), true, false, decoder)).start()) {
            await(() -> s.decoded() > 350, "a second pass over the clip");
            assertThat(s.state()).isEqualTo(StreamState.RUNNING);
        }
    }

    @ParameterizedTest
    @MethodSource("com.edgeinspect.appliance.source.FrameSourceTest#decoders")
    void missingSourceIsRetriedWithItsErrorVisible(String decoder) throws Exception {
        try (FrameSource s = FrameSource.of(stream("/nonexistent/cam.mp4", false, true, decoder)).start()) {
            await(() -> s.state() == StreamState.RECONNECTING, "reconnecting state");
            assertThat(s.lastError()).contains("/nonexistent/cam.mp4");
            await(() -> s.failures() >= 2, "a second attempt after the backoff");
        }
    }
}
