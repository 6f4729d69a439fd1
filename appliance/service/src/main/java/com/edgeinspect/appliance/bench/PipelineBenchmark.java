package com.edgeinspect.appliance.bench;

import com.edgeinspect.appliance.Appliance;
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
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameGrabber;

/**
 * Measures the appliance on one clip, in one run so the ratios are fair on a shared machine: inference alone (as the
 * appliance runs it, and ONNX Runtime alone on the whole graph), then the whole appliance on the clip paced like a
 * 30 fps camera and looping (embedded broker, alerts acknowledged), with end-to-end fps, frame-to-alert latency
 * (decode to PUBACK) and resident memory sampled over the run after a warm-up, then inference alone once more; the
 * ceilings are the means of the two. {@code benchmarks/appliance.sh} adds FFmpeg's decode-only speed and prints the
 * table.
 *
 * <p>Usage: {@code PipelineBenchmark CLIP SECONDS [MODEL]}: MODEL, more keys of the configuration's {@code model}
 * section as YAML flow entries (e.g. {@code early_exit: false})
 */
public final class PipelineBenchmark {

    /** Frames the inference-only figure is measured on. */
    private static final int SAMPLES = 60;

    private PipelineBenchmark() {}

    public static void main(String[] args) throws Exception {
        avutil.av_log_set_level(avutil.AV_LOG_ERROR); // no FFmpeg banner in the table's output
        Path clip = Path.of(args[0]);
        int seconds = Integer.parseInt(args[1]);
        Path state = Files.createTempDirectory("edgeinspect-bench");
        int port = BenchSetup.freePort();
        String model = "bundle: models/default.vimodel" + (args.length > 2 ? ", " + args[2] : "");
        ApplianceConfig config = BenchSetup.config("bench", List.of(clip), state, port,
                BenchSetup.trustedKeys(), "{}", model, true, "");

        double[] before = inferenceOnly(config, clip);
        System.out.printf(Locale.ROOT, "inference only: as the appliance runs it (pre/post-processing, graphs) %.2f "
                + "fps, with the clip decoded beside it %.2f fps; ONNX Runtime alone on the whole graph (no exit) %.2f "
                + "fps%n", before[0], before[2], before[1]);

        String run;
        try (Appliance a = Appliance.start(config)) {
            Thread.sleep(10_000); // warm-up: JIT, first alerts, allocator settled
            long[] start = counters(a);
            String warm = a.metrics(); // latencies count from here: the warm-up's JIT stalls are not the steady state
            long rss0 = BenchSetup.rssKb();
            long rssMax = rss0;
            long t0 = System.nanoTime();
            for (int s = 0; s < seconds; s += 10) {
                Thread.sleep(10_000);
                long rss = BenchSetup.rssKb();
                rssMax = Math.max(rssMax, rss);
                long[] now = counters(a);
                System.out.printf(Locale.ROOT, "  %4d s: decoded %d, processed %d, dropped %d, RSS %.0f MB%n",
                        s + 10, now[0] - start[0], now[1] - start[1], now[2] - start[2], rss / 1024.0);
            }
            double elapsed = (System.nanoTime() - t0) / 1e9;
            long[] end = counters(a);
            long rss1 = BenchSetup.rssKb();
            String m = a.metrics();
            String alert = "edgeinspect_alert_latency";
            String handed = "edgeinspect_frame_latency";
            String detect = "edgeinspect_inference";
            String delivery = "edgeinspect_alert_delivery";
            run = String.format(Locale.ROOT, "decoded_fps=%.2f e2e_fps=%.2f dropped=%d alert_p50_ms=%.1f "
                    + "alert_p95_ms=%.1f alert_p99_ms=%.1f alerts=%d rss_start_mb=%.0f rss_end_mb=%.0f "
                    + "rss_max_mb=%.0f inference_p50_ms=%.1f inference_p99_ms=%.1f handed_p50_ms=%.1f "
                    + "handed_p99_ms=%.1f delivery_p50_ms=%.1f delivery_p99_ms=%.1f",
                    (end[0] - start[0]) / elapsed, (end[1] - start[1]) / elapsed, end[2] - start[2],
                    quantile(warm, m, alert, 0.5), quantile(warm, m, alert, 0.95), quantile(warm, m, alert, 0.99),
                    count(warm, m, alert), rss0 / 1024.0, rss1 / 1024.0, rssMax / 1024.0,
                    quantile(warm, m, detect, 0.5), quantile(warm, m, detect, 0.99), quantile(warm, m, handed, 0.5),
                    quantile(warm, m, handed, 0.99), quantile(warm, m, delivery, 0.5),
                    quantile(warm, m, delivery, 0.99));
        }
        // The ceilings once more, the appliance stopped: this machine's speed drifts over minutes, so the run is set
        // against the mean of the measurements on either side of it, and both are printed.
        double[] after = inferenceOnly(config, clip);
        System.out.printf(Locale.ROOT, "inference only, after the run: the appliance's %.2f fps, with the clip decoded "
                + "beside it %.2f fps; ONNX Runtime alone %.2f fps%n", after[0], after[2], after[1]);
        System.out.printf(Locale.ROOT, "RESULT %s detect_fps=%.2f ort_fps=%.2f ort_before_fps=%.2f "
                + "ort_after_fps=%.2f detect_decoding_fps=%.2f%n", run, (before[0] + after[0]) / 2,
                (before[1] + after[1]) / 2, before[1], after[1], (before[2] + after[2]) / 2);
    }

    /**
     * Frames per second of the appliance's inference (pre-processing, the bundle's graphs with its early exit, decoding),
     * of ONNX Runtime alone on the bundle's single whole graph ({@code model.onnx}, its outputs left in place) on one
     * preprocessed frame, and of the appliance's inference again while the clip is decoded beside it at 30 fps. The
     * early exit makes a frame's cost depend on what it shows, so the frames ({@value #SAMPLES} at most) are spread
     * evenly over the whole clip, as the looping appliance sees them; each is run once untimed first.
     */
    private static double[] inferenceOnly(ApplianceConfig config, Path clip) throws Exception {
        List<byte[]> frames = new ArrayList<>();
        int w;
        int h;
        try (FFmpegFrameGrabber g = FfmpegSource.rawGrabber(clip.toString());
                PictureConverter c = new PictureConverter()) {
            g.start();
            w = g.getImageWidth();
            h = g.getImageHeight();
            int every = Math.max(1, g.getLengthInVideoFrames() / SAMPLES);
            byte[] bgr = new byte[w * h * 3];
            for (int i = 0; frames.size() < SAMPLES && FfmpegSource.next(g, c, bgr); i++) {
                if (i % every == 0) {
                    frames.add(bgr.clone());
                }
            }
        }
        try (LoadedModel m = new ModelLoader(config.model()).load(Path.of(config.model().bundle()))) {
            for (byte[] f : frames) { // warm-up: after 3 frames the JIT's work was still in the timing (43 ms, not 37)
                m.detector().detect(f, w, h);
            }
            double detectFps = detectFps(m, frames, w, h);
            double decodingFps;
            // The same with the clip decoded beside it at camera pace, by the appliance's own source: the share of two
            // cores a 1080p30 decoder takes from the inference, which no pipeline can win back.
            try (FrameSource decoding = FrameSource.of(config.streams().get(0)).start()) {
                while (decoding.decoded() < 30) {
                    if (decoding.state() == StreamState.RECONNECTING) {
                        throw new IllegalStateException("decoding " + clip + ": " + decoding.lastError());
                    }
                    Thread.sleep(50);
                }
                decodingFps = detectFps(m, frames, w, h);
            }
            FloatBuffer input = new Preprocessor().apply(frames.get(0), w, h); // as the appliance feeds it
            long[] shape = Preprocessor.shape(w, h);
            int runs = 20;
            long t0;
            // The single graph, opened as the appliance opens a model (its session options, this box's threads).
            try (OrtDetector whole = new OrtDetector(m.bundle().model(), m.classes().size(),
                    List.of(OrtDetector.Provider.CPU), config.model().threads(),
                    new CenterNetDecoder((float) m.bundle().manifest().thresholds().detection(), 100))) {
                for (int i = 0; i < 10; i++) {
                    whole.infer(input, shape);
                }
                t0 = System.nanoTime();
                for (int i = 0; i < runs; i++) {
                    whole.infer(input, shape);
                }
            }
            return new double[] {detectFps, runs / ((System.nanoTime() - t0) / 1e9), decodingFps};
        }
    }

    /** Frames per second of the appliance's inference over {@code frames}. */
    private static double detectFps(LoadedModel m, List<byte[]> frames, int w, int h) throws Exception {
        long t0 = System.nanoTime();
        for (byte[] f : frames) {
            m.detector().detect(f, w, h);
        }
        return frames.size() / ((System.nanoTime() - t0) / 1e9);
    }

    /** decoded, processed, dropped of the first stream. */
    @SuppressWarnings("unchecked")
    private static long[] counters(Appliance a) {
        Map<String, Object> s = ((List<Map<String, Object>>) a.status().get("streams")).get(0);
        return new long[] {((Number) s.get("decoded")).longValue(), ((Number) s.get("processed")).longValue(),
            ((Number) s.get("dropped")).longValue()};
    }

    /**
     * A quantile in milliseconds of what a latency histogram ({@code metric}, e.g. {@code edgeinspect_inference}; one
     * stream) counted between two scrapes, as Prometheus computes it from the buckets (linear within a bucket).
     */
    private static double quantile(String before, String after, String metric, double q) {
        double[][] b = counted(before, after, metric);
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

    /** How many observations a histogram counted between two scrapes. */
    private static long count(String before, String after, String metric) {
        double[][] b = counted(before, after, metric);
        return b.length == 0 ? 0 : Math.round(b[b.length - 1][1]);
    }

    /** A histogram's buckets as {@link #buckets} gives them, counting only what came between two scrapes. */
    private static double[][] counted(String before, String after, String metric) {
        double[][] b = buckets(after, metric);
        double[][] earlier = buckets(before, metric);
        for (int i = 0; i < b.length; i++) {
            b[i][1] -= earlier[i][1];
        }
        return b;
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
