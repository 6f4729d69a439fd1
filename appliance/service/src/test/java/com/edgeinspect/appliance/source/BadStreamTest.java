package com.edgeinspect.appliance.source;

import static com.edgeinspect.appliance.source.FfmpegSourceTest.CLIP;
import static com.edgeinspect.appliance.source.FfmpegSourceTest.await;
import static org.assertj.core.api.Assertions.assertThat;

import com.edgeinspect.appliance.config.ApplianceConfig;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Sources that fail the way cameras and files do: the stream says what went wrong and nothing crashes. */
class BadStreamTest {

    @TempDir
    Path tmp;

    static ApplianceConfig.Stream stream(String url) {
        return new ApplianceConfig.Stream("bad", url, false, false, null, null, null, null);
    }

    /** Drains frames until the source stops delivering; returns how many arrived. */
    static long drain(FfmpegSource s) throws InterruptedException {
        long n = 0;
        long quiet = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (System.nanoTime() < quiet) {
            FrameBuffer f = s.frames().take(100, TimeUnit.MILLISECONDS);
            if (f != null) {
                n++;
                s.frames().release(f);
                quiet = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
            }
        }
        return n;
    }

    @Test
    void aTruncatedRecordingIsReportedAndRetried() throws Exception {
        byte[] clip = Files.readAllBytes(CLIP);
        // The clip's index (moov) is at its end, as in any recording cut short: nothing can be decoded.
        Path cut = tmp.resolve("cut.mp4");
        Files.write(cut, java.util.Arrays.copyOf(clip, clip.length * 2 / 5));
        try (FfmpegSource s = new FfmpegSource(stream(cut.toString())).start()) {
            await(() -> s.state() == StreamState.RECONNECTING, "the bad file noticed");
            assertThat(s.lastError()).contains("cut.mp4");
            assertThat(s.decoded()).isZero();
        }
    }

    @Test
    void corruptH264BytesAreSkippedNotFatal() throws Exception {
        byte[] clip = Files.readAllBytes(CLIP);
        Random r = new Random(1);
        for (int i = 0; i < 2000; i++) {
            int at = clip.length / 10 + r.nextInt(clip.length * 8 / 10);
            clip[at] = (byte) r.nextInt(256);
        }
        Path bad = tmp.resolve("corrupt.mp4");
        Files.write(bad, clip);
        try (FfmpegSource s = new FfmpegSource(stream(bad.toString())).start()) {
            long frames = drain(s);
            assertThat(frames).as("frames decoded around the damage").isGreaterThan(100);
            assertThat(s.state()).isIn(StreamState.ENDED, StreamState.RECONNECTING);
        }
    }

    @Test
    void anUnreachableCameraIsRetriedWithItsErrorVisible() throws Exception {
        int port;
        try (ServerSocket sock = new ServerSocket(0)) {
            port = sock.getLocalPort();
        }
        String url = "rtsp://127.0.0.1:" + port + "/line1";
        try (FfmpegSource s = new FfmpegSource(stream(url)).start()) {
            await(() -> s.state() == StreamState.RECONNECTING, "reconnecting");
            assertThat(s.lastError()).contains(url);
            assertThat(s.decoded()).isZero();
        }
    }
}
