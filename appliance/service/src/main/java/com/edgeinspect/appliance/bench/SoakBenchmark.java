package com.edgeinspect.appliance.bench;

import com.edgeinspect.appliance.Appliance;
import com.edgeinspect.appliance.config.ApplianceConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The appliance left running: two looping streams, an embedded broker, a model shipped over MQTT every few minutes.
 * Every 30 s it samples resident memory, open file descriptors, live threads and readiness; at the end it compares
 * the first sample after warm-up with the last.
 *
 * <p>Usage: {@code SoakBenchmark MINUTES SWAP_EVERY_MINUTES CLIP...}; prints samples and a {@code RESULT} line.
 */
public final class SoakBenchmark {

    private static final long SAMPLE_MS = 30_000;
    /** Memory and threads are compared from here: JIT, arenas and caches fill in the first minutes. */
    private static final int WARM_UP_SAMPLES = 10;

    private SoakBenchmark() {}

    public static void main(String[] args) throws Exception {
        org.bytedeco.ffmpeg.global.avutil.av_log_set_level(org.bytedeco.ffmpeg.global.avutil.AV_LOG_ERROR);
        int minutes = Integer.parseInt(args[0]);
        int swapEvery = Integer.parseInt(args[1]);
        List<Path> clips = new ArrayList<>();
        for (int i = 2; i < args.length; i++) {
            clips.add(Path.of(args[i]));
        }
        Path state = Files.createTempDirectory("edgeinspect-soak");
        int port = BenchSetup.freePort();
        Reshipper reshipper = new Reshipper(state);
        ApplianceConfig config = BenchSetup.config("soak", clips, state, port,
                BenchSetup.trustedKeys(reshipper.publicKey().toString()), "{probation_seconds: 10}");
        List<long[]> samples = new ArrayList<>(); // rss kB, fds, threads
        int notReady = 0;
        int swaps = 0;
        long end = System.currentTimeMillis() + minutes * 60_000L;
        long nextSwap = System.currentTimeMillis() + swapEvery * 60_000L;
        try (Appliance a = Appliance.start(config); reshipper) {
            reshipper.connect(port);
            while (System.currentTimeMillis() < end) {
                Thread.sleep(SAMPLE_MS);
                if (System.currentTimeMillis() >= nextSwap) {
                    reshipper.ship("soak", "2." + (++swaps) + ".0");
                    nextSwap += swapEvery * 60_000L;
                }
                boolean ready = a.ready();
                notReady += ready ? 0 : 1;
                long[] s = {BenchSetup.rssKb(), fds(), Thread.activeCount()};
                samples.add(s);
                System.out.printf(Locale.ROOT, "t=%4d s rss %d MB, fds %d, threads %d, %s, model %s%n",
                        samples.size() * SAMPLE_MS / 1000, s[0] / 1024, s[1], s[2], ready ? "ready" : "NOT READY",
                        a.model().get("version"));
            }
            long[] first = samples.get(Math.min(WARM_UP_SAMPLES, samples.size() - 1));
            long[] last = samples.get(samples.size() - 1);
            long max = samples.stream().skip(WARM_UP_SAMPLES).mapToLong(s -> s[0]).max().orElse(last[0]);
            Map<String, Object> alerts = a.status();
            System.out.printf(Locale.ROOT, "RESULT minutes=%d streams=%d swaps=%d rss_warm_mb=%d rss_end_mb=%d "
                    + "rss_max_mb=%d rss_growth_pct=%.1f fds_warm=%d fds_end=%d threads_warm=%d threads_end=%d "
                    + "not_ready_samples=%d alerts=%s%n", minutes, clips.size(), swaps, first[0] / 1024,
                    last[0] / 1024, max / 1024, 100.0 * (last[0] - first[0]) / first[0], first[1], last[1], first[2],
                    last[2], notReady, ((Map<?, ?>) alerts.get("alerts")).get("delivered"));
        }
    }

    private static long fds() throws Exception {
        try (var s = Files.list(Path.of("/proc/self/fd"))) {
            return s.count();
        }
    }
}
