package com.edgeinspect.appliance.bench;

import com.edgeinspect.appliance.config.ApplianceConfig;
import com.edgeinspect.appliance.model.LoadedModel;
import com.edgeinspect.appliance.model.ModelLoader;
import com.edgeinspect.appliance.source.FfmpegSource;
import com.edgeinspect.appliance.source.FrameSource;
import com.edgeinspect.appliance.source.StreamState;
import com.edgeinspect.core.decode.PictureConverter;
import com.edgeinspect.core.detect.CenterNetDecoder;
import com.edgeinspect.core.detect.OrtDetector;
import com.edgeinspect.core.detect.Preprocessor;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameGrabber;

/**
 * Measures the appliance on one clip, in one run so the ratios are fair on a shared machine. Inference alone first
 * (as the appliance runs it, with the clip decoded beside it, and ONNX Runtime alone on the whole graph), then the
 * appliance in a process of its own, as the box starts it, on the clip paced like a 30 fps camera and looping
 * (embedded broker, alerts acknowledged): end-to-end fps, frame-to-alert latency (decode to PUBACK) and its resident
 * memory, sampled after a warm-up; then inference alone once more. This machine's speed drifts by a quarter within
 * minutes, so both inference ceilings are also measured <em>during</em> the run: every {@value #WINDOW_SECONDS} s the
 * appliance is frozen ({@code SIGSTOP}) for the two or three seconds they take, and each window of the run is set
 * against the mean of the measurements at its two ends. What happens around a freeze (the frame in flight, the
 * settling after) counts in no window. {@code benchmarks/appliance.sh} adds FFmpeg's decode-only speed and prints the
 * table.
 *
 * <p>Usage: {@code PipelineBenchmark CLIP SECONDS [MODEL]}: MODEL, more keys of the configuration's {@code model}
 * section as YAML flow entries (e.g. {@code early_exit: false})
 */
public final class PipelineBenchmark {

    /** Frames the inference-only figure is measured on. */
    private static final int SAMPLES = 60;
    /** How long the appliance runs between two measurements of the ceilings. */
    private static final int WINDOW_SECONDS = 60;
    /** Timed runs of ONNX Runtime alone per measurement (about a second here). */
    private static final int RUNS = 30;
    /** After a freeze, what is left out: the decoder resets its pacing and the frame in flight is delivered. */
    private static final long SETTLE_MS = 2000;
    private static final String ALERT = "edgeinspect_alert_latency";
    private static final String HANDED = "edgeinspect_frame_latency";
    private static final String DETECT = "edgeinspect_inference";
    private static final String DELIVERY = "edgeinspect_alert_delivery";

    private PipelineBenchmark() {}

    public static void main(String[] args) throws Exception {
        avutil.av_log_set_level(avutil.AV_LOG_ERROR); // no FFmpeg banner in the table's output
        Path clip = Path.of(args[0]);
        int seconds = Integer.parseInt(args[1]);
        Path state = Files.createTempDirectory("edgeinspect-bench");
        String model = "bundle: models/default.vimodel" + (args.length > 2 ? ", " + args[2] : "");
        BenchSetup.Setup setup = BenchSetup.setup("bench", List.of(clip), state, BenchSetup.freePort(),
                BenchSetup.trustedKeys(), "{}", model, true, "");
        ApplianceConfig config = setup.load();
        Frames frames = Frames.sample(clip);
        try (LoadedModel m = new ModelLoader(config.model()).load(Path.of(config.model().bundle()));
                OrtAlone ort = new OrtAlone(m, config, frames)) {
            for (byte[] f : frames.bgr) { // warm-up: after 3 frames the JIT's work was still in the timing (43 ms, not 37)
                m.detector().detect(f, frames.width, frames.height);
            }
            double[] before = inferenceOnly(m, ort, config, frames);
            System.out.printf(Locale.ROOT, "inference only: as the appliance runs it (pre/post-processing, graphs) %.2f "
                    + "fps, with the clip decoded beside it %.2f fps; ONNX Runtime alone on the whole graph (no exit) "
                    + "%.2f fps%n", before[0], before[2], before[1]);
            String run;
            try (ApplianceProcess a = ApplianceProcess.start(setup, state)) {
                System.out.println("the appliance runs as process " + a.pid() + ", its log in " + a.log());
                run = run(a, new Ceilings(m, ort, frames), seconds);
            }
            double[] after = inferenceOnly(m, ort, config, frames);
            System.out.printf(Locale.ROOT, "inference only, after the run: the appliance's %.2f fps, with the clip "
                    + "decoded beside it %.2f fps; ONNX Runtime alone %.2f fps%n", after[0], after[2], after[1]);
            System.out.printf(Locale.ROOT, "RESULT %s detect_before_fps=%.2f detect_after_fps=%.2f "
                    + "ort_before_fps=%.2f ort_after_fps=%.2f detect_decoding_fps=%.2f%n", run, before[0], after[0],
                    before[1], after[1], (before[2] + after[2]) / 2);
        }
    }

    /**
     * The appliance's run after a 10 s warm-up (JIT, first alerts, allocator settled), window by window, each set
     * against the ceilings measured at its two ends; the RESULT's keys of the run.
     */
    private static String run(ApplianceProcess a, Ceilings c, int seconds) throws Exception {
        Thread.sleep(10_000);
        double[] ceiling = c.measure(a);
        long rss0 = a.rssKb();
        long rssMax = rss0;
        long rss1 = rss0;
        Histograms h = new Histograms();
        double time = 0;
        double[] expected = new double[2]; // frames each ceiling would have run in the windows' time
        long decoded = 0;
        long processed = 0;
        long dropped = 0;
        List<Double> ratios = new ArrayList<>();
        List<Double> orts = new ArrayList<>(List.of(ceiling[0]));
        for (int s = 0; s < seconds; ) {
            int window = Math.min(WINDOW_SECONDS, seconds - s);
            String m0 = a.metrics();
            long[] c0 = a.counters();
            long t0 = System.nanoTime();
            long[] last = c0;
            for (int k = 0; k < window; k += 10) {
                int step = Math.min(10, window - k);
                Thread.sleep(step * 1000L);
                rss1 = a.rssKb();
                rssMax = Math.max(rssMax, rss1);
                long[] now = a.counters();
                System.out.printf(Locale.ROOT, "  %4d s: %.1f fps decoded, %.1f processed, %d dropped, RSS %.0f MB%n",
                        s + k + step, (now[0] - last[0]) / (double) step, (now[1] - last[1]) / (double) step,
                        now[2] - last[2], rss1 / 1024.0);
                last = now;
            }
            String m1 = a.metrics();
            long[] c1 = a.counters();
            double dt = (System.nanoTime() - t0) / 1e9;
            double[] next = c.measure(a);
            double e2e = (c1[1] - c0[1]) / dt;
            double ort = (ceiling[0] + next[0]) / 2;
            double detect = (ceiling[1] + next[1]) / 2;
            ratios.add(e2e / ort);
            orts.add(next[0]);
            Histograms w = new Histograms();
            w.add(m0, m1);
            h.add(m0, m1);
            System.out.printf(Locale.ROOT, "  window %d-%d s: end to end %.2f fps; ONNX Runtime alone %.2f -> %.2f fps, "
                    + "the appliance's inference alone %.2f -> %.2f; e2e / those %.2f / %.2f; frame-to-alert p99 %.1f "
                    + "ms, %.1f%% of %d alerts within 100 ms%n", s, s + window, e2e, ceiling[0], next[0], ceiling[1],
                    next[1], e2e / ort, e2e / detect, w.quantile(ALERT, 0.99), 100 * w.within(ALERT, 0.1),
                    w.count(ALERT));
            time += dt;
            expected[0] += dt * ort;
            expected[1] += dt * detect;
            decoded += c1[0] - c0[0];
            processed += c1[1] - c0[1];
            dropped += c1[2] - c0[2];
            ceiling = next;
            s += window;
        }
        List<Double> sorted = ratios.stream().sorted().toList();
        return String.format(Locale.ROOT, "decoded_fps=%.2f e2e_fps=%.2f dropped=%d ort_fps=%.2f detect_fps=%.2f "
                + "ort_min_fps=%.2f ort_max_fps=%.2f window_ratio_min=%.2f window_ratio_median=%.2f "
                + "window_ratio_max=%.2f alert_p50_ms=%.1f alert_p95_ms=%.1f alert_p99_ms=%.1f alerts=%d "
                + "alerts_within_100ms_pct=%.2f "
                + "rss_start_mb=%.0f rss_end_mb=%.0f rss_max_mb=%.0f inference_p50_ms=%.1f inference_p99_ms=%.1f "
                + "handed_p50_ms=%.1f handed_p99_ms=%.1f delivery_p50_ms=%.1f delivery_p99_ms=%.1f",
                decoded / time, processed / time, dropped, expected[0] / time, expected[1] / time,
                orts.stream().mapToDouble(d -> d).min().orElseThrow(),
                orts.stream().mapToDouble(d -> d).max().orElseThrow(), sorted.get(0),
                sorted.get(sorted.size() / 2), sorted.get(sorted.size() - 1),
                h.quantile(ALERT, 0.5), h.quantile(ALERT, 0.95), h.quantile(ALERT, 0.99), h.count(ALERT),
                100 * h.within(ALERT, 0.1), rss0 / 1024.0, rss1 / 1024.0, rssMax / 1024.0, h.quantile(DETECT, 0.5),
                h.quantile(DETECT, 0.99),
                h.quantile(HANDED, 0.5), h.quantile(HANDED, 0.99), h.quantile(DELIVERY, 0.5),
                h.quantile(DELIVERY, 0.99));
    }

    /**
     * The two inference ceilings measured during the run, with the appliance frozen: ONNX Runtime alone ({@value #RUNS}
     * runs) and the appliance's inference alone (every other sampled frame); it runs on after a settling time that no
     * window counts.
     */
    private record Ceilings(LoadedModel model, OrtAlone ort, Frames frames) {

        /** ONNX Runtime alone and the appliance's inference alone, fps. */
        double[] measure(ApplianceProcess a) throws Exception {
            a.freeze();
            try {
                double ortFps = ort.fps(3, RUNS);
                model.detector().detect(frames.bgr.get(0), frames.width, frames.height); // its threads wake
                return new double[] {ortFps, detectFps(model, frames, 2)};
            } finally {
                a.resume();
                Thread.sleep(SETTLE_MS);
            }
        }
    }

    /**
     * Frames per second of the appliance's inference (pre-processing, the bundle's graphs with its early exit,
     * decoding) on the sampled frames, of ONNX Runtime alone, and of the appliance's inference again while the clip is
     * decoded beside it at 30 fps by the appliance's own source: the share of two cores a 1080p30 decoder takes from
     * the inference, which no pipeline can win back.
     */
    private static double[] inferenceOnly(LoadedModel m, OrtAlone ort, ApplianceConfig config, Frames frames)
            throws Exception {
        double detectFps = detectFps(m, frames, 1);
        double decodingFps;
        try (FrameSource decoding = FrameSource.of(config.streams().get(0)).start()) {
            while (decoding.decoded() < 30) {
                if (decoding.state() == StreamState.RECONNECTING) {
                    throw new IllegalStateException("decoding " + config.streams().get(0).url() + ": "
                            + decoding.lastError());
                }
                Thread.sleep(50);
            }
            decodingFps = detectFps(m, frames, 1);
        }
        return new double[] {detectFps, ort.fps(10, 20), decodingFps};
    }

    /**
     * 1080p frames of the clip as the appliance's source decodes them. The early exit makes a frame's cost depend on
     * what it shows, so the frames ({@value #SAMPLES} at most) are spread evenly over the whole clip, as the looping
     * appliance sees them.
     */
    private record Frames(List<byte[]> bgr, int width, int height) {

        static Frames sample(Path clip) throws Exception {
            List<byte[]> frames = new ArrayList<>();
            try (FFmpegFrameGrabber g = FfmpegSource.rawGrabber(clip.toString());
                    PictureConverter c = new PictureConverter()) {
                g.start();
                int every = Math.max(1, g.getLengthInVideoFrames() / SAMPLES);
                byte[] bgr = new byte[g.getImageWidth() * g.getImageHeight() * 3];
                for (int i = 0; frames.size() < SAMPLES && FfmpegSource.next(g, c, bgr); i++) {
                    if (i % every == 0) {
                        frames.add(bgr.clone());
                    }
                }
                return new Frames(frames, g.getImageWidth(), g.getImageHeight());
            }
        }
    }

    /**
     * ONNX Runtime alone: the bundle's single whole graph ({@code model.onnx}, no exit), opened as the appliance
     * opens a model (its session options, this box's threads), on one frame preprocessed as the appliance feeds it,
     * its outputs left in place.
     */
    private static final class OrtAlone implements AutoCloseable {

        private final OrtDetector whole;
        private final FloatBuffer input;
        private final long[] shape;

        OrtAlone(LoadedModel m, ApplianceConfig config, Frames frames) throws Exception {
            whole = new OrtDetector(m.bundle().model(), m.classes().size(), List.of(OrtDetector.Provider.CPU),
                    config.model().threads(),
                    new CenterNetDecoder((float) m.bundle().manifest().thresholds().detection(), 100));
            input = new Preprocessor().apply(frames.bgr.get(0), frames.width, frames.height);
            shape = Preprocessor.shape(frames.width, frames.height);
        }

        /** Frames per second over {@code runs} runs after {@code warm} untimed ones. */
        double fps(int warm, int runs) throws Exception {
            for (int i = 0; i < warm; i++) {
                whole.infer(input, shape);
            }
            long t0 = System.nanoTime();
            for (int i = 0; i < runs; i++) {
                whole.infer(input, shape);
            }
            return runs / ((System.nanoTime() - t0) / 1e9);
        }

        @Override
        public void close() throws Exception {
            whole.close();
        }
    }

    /** Frames per second of the appliance's inference over one in {@code every} of the sampled frames. */
    private static double detectFps(LoadedModel m, Frames frames, int every) throws Exception {
        int n = 0;
        long t0 = System.nanoTime();
        for (int i = 0; i < frames.bgr.size(); i += every, n++) {
            m.detector().detect(frames.bgr.get(i), frames.width, frames.height);
        }
        return n / ((System.nanoTime() - t0) / 1e9);
    }

    /** The latency histograms of one stream, summed over the windows between pairs of scrapes. */
    private static final class Histograms {

        private final Map<String, double[][]> counted = new HashMap<>();

        /** Adds what every histogram counted between two scrapes. */
        void add(String before, String after) {
            for (String metric : List.of(ALERT, HANDED, DETECT, DELIVERY)) {
                double[][] b = buckets(after, metric);
                double[][] earlier = buckets(before, metric);
                double[][] sum = counted.computeIfAbsent(metric, k -> new double[b.length][2]);
                for (int i = 0; i < b.length; i++) {
                    sum[i][0] = b[i][0];
                    sum[i][1] += b[i][1] - earlier[i][1];
                }
            }
        }

        /**
         * A quantile in milliseconds of what a histogram ({@code metric}, e.g. {@code edgeinspect_inference}) counted,
         * as Prometheus computes it from the buckets (linear within a bucket).
         */
        double quantile(String metric, double q) {
            double[][] b = counted.getOrDefault(metric, new double[0][]);
            if (b.length == 0 || b[b.length - 1][1] == 0) {
                return Double.NaN;
            }
            double rank = q * b[b.length - 1][1];
            double lower = 0;
            double below = 0;
            for (double[] bucket : b) {
                if (bucket[1] >= rank) {
                    double seconds = Double.isInfinite(bucket[0]) ? lower
                            : lower + (bucket[0] - lower) * (rank - below) / (bucket[1] - below);
                    return 1000 * seconds;
                }
                lower = bucket[0];
                below = bucket[1];
            }
            return Double.NaN;
        }

        /** The share of a histogram's observations within {@code seconds}, one of its bucket bounds. */
        double within(String metric, double seconds) {
            double[][] b = counted.getOrDefault(metric, new double[0][]);
            for (double[] bucket : b) {
                if (Math.abs(bucket[0] - seconds) < 1e-9) {
                    return bucket[1] / b[b.length - 1][1];
                }
            }
            throw new IllegalArgumentException(metric + " has no bucket bound at " + seconds + " s");
        }

        /** How many observations a histogram counted. */
        long count(String metric) {
            double[][] b = counted.getOrDefault(metric, new double[0][]);
            return b.length == 0 ? 0 : Math.round(b[b.length - 1][1]);
        }

        /** A histogram's buckets in a scrape: upper bound in seconds, cumulative count; the same bounds every scrape. */
        private static double[][] buckets(String metrics, String metric) {
            List<double[]> out = new ArrayList<>();
            for (String line : metrics.split("\n")) {
                if (line.startsWith(metric + "_seconds_bucket{")) {
                    int at = line.indexOf("le=\"") + 4;
                    String le = line.substring(at, line.indexOf('"', at));
                    out.add(new double[] {le.equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(le),
                        Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1))});
                }
            }
            return out.toArray(new double[0][]);
        }
    }
}
