package com.edgeinspect.appliance.source;

import static com.edgeinspect.appliance.source.FrameSourceTest.CLIP;
import static com.edgeinspect.appliance.source.FrameSourceTest.await;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.io.TempDir;

/** Sources that fail the way cameras and files do: the stream says what went wrong and nothing crashes. */
class BadStreamTest {

    @TempDir
    Path tmp;

    static FrameSource source(String url, String decoder) {
        return FrameSource.of(FrameSourceTest.stream(url, false, false, decoder));
    }

    /** Drains frames until the source stops delivering; returns how many arrived. */
    static long drain(FrameSource s) throws InterruptedException {
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

    @ParameterizedTest
    @MethodSource("com.edgeinspect.appliance.source.FrameSourceTest#decoders")
    void aTruncatedRecordingIsReportedAndRetried(String decoder) throws Exception {
        byte[] clip = Files.readAllBytes(CLIP);
        // The clip's index (moov) is at its end, as in any recording cut short: nothing can be decoded.
        Path cut = tmp.resolve("cut.mp4");
        Files.write(cut, java.util.Arrays.copyOf(clip, clip.length * 2 / 5));
        try (FrameSource s = source(cut.toString(), decoder).start()) {
            await(() -> s.state() == StreamState.RECONNECTING, "the bad file noticed");
            assertThat(s.lastError()).contains("cut.mp4");
            assertThat(s.decoded()).isZero();
        }
    }

    @ParameterizedTest
    @MethodSource("com.edgeinspect.appliance.source.FrameSourceTest#decoders")
    void corruptH264BytesAreSkippedNotFatal(String decoder) throws Exception {
        byte[] clip = Files.readAllBytes(CLIP);
        Random r = new Random(1);
        for (int i = 0; i < 2000; i++) {
            int at = clip.length / 10 + r.nextInt(clip.length * 8 / 10);
            clip[at] = (byte) r.nextInt(256);
        }
        Path bad = tmp.resolve("corrupt.mp4");
        Files.write(bad, clip);
        try (FrameSource s = source(bad.toString(), decoder).start()) {
            long frames = drain(s);
            assertThat(frames).as("frames decoded around the damage").isGreaterThan(100);
            assertThat(s.state()).isIn(StreamState.ENDED, StreamState.RECONNECTING);
        }
    }

    @ParameterizedTest
    @MethodSource("com.edgeinspect.appliance.source.FrameSourceTest#decoders")
    void anUnreachableCameraIsRetriedWithItsErrorVisible(String decoder) throws Exception {
        int port;
        try (ServerSocket sock = new ServerSocket(0)) {
            port = sock.getLocalPort();
        }
        String url = "rtsp://127.0.0.1:" + port + "/line1";
        try (FrameSource s = source(url, decoder).start()) {
            await(() -> s.state() == StreamState.RECONNECTING, "reconnecting");
            assertThat(s.lastError()).contains(url);
            assertThat(s.decoded()).isZero();
        }
    }
}
