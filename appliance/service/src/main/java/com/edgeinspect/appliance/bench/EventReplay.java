package com.edgeinspect.appliance.bench;

import com.edgeinspect.appliance.alert.AlertPolicy;
import com.edgeinspect.appliance.config.ApplianceConfig;
import com.edgeinspect.appliance.model.LoadedModel;
import com.edgeinspect.appliance.model.ModelLoader;
import com.edgeinspect.appliance.source.FfmpegSource;
import com.edgeinspect.appliance.track.Tracker;
import com.edgeinspect.core.alert.AlertEvent;
import com.edgeinspect.core.bundle.Manifest;
import com.edgeinspect.core.dataset.Box;
import com.edgeinspect.core.dataset.VideoAnnotations;
import com.edgeinspect.core.decode.PictureConverter;
import com.edgeinspect.core.detect.CenterNetDecoder;
import com.edgeinspect.core.detect.Detection;
import com.edgeinspect.core.metrics.EventEvaluator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameGrabber;

/**
 * Event-level recall and precision of a bundle on annotated clips, apart from this machine's speed. The end-to-end
 * test scores whichever frames the detector kept up with, so its recall moves with the machine; here every frame of
 * each clip goes through the detector once (whole frame, the bundle's thresholds, its early exit), then the
 * appliance's tracker and alert policy (their configured defaults) replay the detections as a detector that processes
 * one frame in {@code k} would see them, for each {@code k} and each of its {@code k} phases. Each defective part the
 * every-frame replay missed is listed with its defects' classes and the best score the detector gave inside the part,
 * down to {@link #FLOOR} (detections are decoded that low once, and the replays keep those at the bundle's threshold):
 * a part never scored near the threshold is the detector's miss, one scored just below it a threshold's, one scored
 * above it the tracker's or the policy's.
 *
 * <p>Usage: {@code EventReplay BUNDLE STRIDES VARIANTS CLIP...}: strides comma-separated (e.g. {@code 1,3,6});
 * variants of the tracker's and the policy's settings separated by {@code ;}, each the configuration's YAML lines
 * (e.g. {@code ;tracking: {lost_after_frames: 24}} replays the defaults, then that change) and environment overrides
 * ({@code EDGEINSPECT__STREAMS__0__DETECTION_THRESHOLD=0.25}: the first stream's thresholds, its gate threshold
 * included, are the replay's; the clip is detected once per distinct gate threshold)
 */
public final class EventReplay {

    /** Lowest score decoded, so that a missed part's best score shows how far below the threshold it was. */
    static final float FLOOR = 0.05f;

    private EventReplay() {}

    public static void main(String[] args) throws Exception {
        avutil.av_log_set_level(avutil.AV_LOG_ERROR);
        String bundle = args[0];
        int[] strides = Arrays.stream(args[1].split(",")).mapToInt(Integer::parseInt).toArray();
        List<String> variants = List.of(args[2].split(";", -1));
        List<Path> clips = Arrays.stream(args, 3, args.length).map(Path::of).toList();
        Path state = Files.createTempDirectory("edgeinspect-bench");
        List<ApplianceConfig> configs = new ArrayList<>();
        for (String v : variants) {
            configs.add(BenchSetup.config("bench", clips, state, BenchSetup.freePort(),
                    BenchSetup.trustedKeys(), "{}", "bundle: \"" + bundle + "\"", false, v));
        }
        try (LoadedModel m = new ModelLoader(configs.get(0).model()).load(Path.of(bundle))) {
            Manifest.Thresholds t = m.bundle().manifest().thresholds();
            float floor = FLOOR;
            for (ApplianceConfig c : configs) {
                floor = Math.min(floor, (float) c.streams().get(0).detectionThreshold(t));
            }
            CenterNetDecoder decoder = new CenterNetDecoder(floor, 100);
            for (Path clip : clips) {
                VideoAnnotations truth = VideoAnnotations.readBeside(clip);
                Map<Float, List<List<Detection>>> byGate = new HashMap<>();
                String name = clip.getFileName().toString().replaceFirst("\\.[^.]*$", "");
                for (int v = 0; v < configs.size(); v++) {
                    ApplianceConfig.Stream stream = configs.get(v).streams().get(0);
                    float gate = stream.gateThreshold(m.detector().gateThreshold());
                    List<List<Detection>> all = byGate.computeIfAbsent(gate, g -> detect(m, decoder, clip, g));
                    double threshold = stream.detectionThreshold(t);
                    List<List<Detection>> found = all.stream().map(f -> f.stream()
                            .filter(d -> d.score() >= threshold).toList()).toList();
                    AlertPolicy.Model model = new AlertPolicy.Model(m.version(), m.classes(), stream.alertThreshold(t));
                    for (int k : strides) {
                        replayAll(configs.get(v), model, truth, found, name + " variant=" + v, k);
                    }
                    EventEvaluator every = replay(configs.get(v), model, truth, found, 1, 0);
                    for (VideoAnnotations.Part p : every.missed()) {
                        System.out.println(missed(name + " variant=" + v, truth, found, all, p));
                    }
                }
            }
        }
    }

    /** The detections of every frame of the clip, early exit (if any) at the {@code gate} threshold. */
    private static List<List<Detection>> detect(LoadedModel m, CenterNetDecoder decoder, Path clip, float gate) {
        List<List<Detection>> out = new ArrayList<>();
        try (FFmpegFrameGrabber g = FfmpegSource.rawGrabber(clip.toString());
                PictureConverter c = new PictureConverter()) {
            g.start();
            int w = g.getImageWidth();
            int h = g.getImageHeight();
            byte[] bgr = new byte[w * h * 3];
            long t0 = System.nanoTime();
            while (FfmpegSource.next(g, c, bgr)) {
                out.add(m.detector().detect(bgr, w, 0, 0, w, h, decoder, gate).detections());
                if (out.size() % 50 == 0) {
                    System.err.printf(Locale.ROOT, "%s: %d frames detected, %.1f fps%n", clip.getFileName(),
                            out.size(), out.size() / ((System.nanoTime() - t0) / 1e9));
                }
            }
        } catch (Exception e) {
            throw new IllegalStateException(clip + ": " + e.getMessage(), e);
        }
        return out;
    }

    /** Replays every phase of stride {@code k} and prints their recall and precision (mean, min, max). */
    private static void replayAll(ApplianceConfig config, AlertPolicy.Model model, VideoAnnotations truth,
            List<List<Detection>> found, String clip, int k) {
        double recall = 0;
        double precision = 0;
        double minRecall = 1;
        double maxRecall = 0;
        int alerts = 0;
        int falseAlerts = 0;
        int duplicates = 0;
        for (int phase = 0; phase < k; phase++) {
            EventEvaluator e = replay(config, model, truth, found, k, phase);
            recall += e.recall() / k;
            precision += e.precision() / k;
            minRecall = Math.min(minRecall, e.recall());
            maxRecall = Math.max(maxRecall, e.recall());
            alerts += e.alerts();
            falseAlerts += e.falseAlerts();
            duplicates += e.duplicates();
        }
        System.out.printf(Locale.ROOT, "RESULT clip=%s stride=%d parts=%d recall=%.3f recall_min=%.3f recall_max=%.3f "
                + "precision=%.3f alerts_per_pass=%.1f false_per_pass=%.1f duplicates_per_pass=%.1f%n", clip, k,
                new EventEvaluator(truth).defectiveParts(), recall, minRecall, maxRecall, precision,
                (double) alerts / k, (double) falseAlerts / k, (double) duplicates / k);
    }

    /** The alerts the tracker and policy raise on frames {@code phase, phase + k, ...}, scored. */
    private static EventEvaluator replay(ApplianceConfig config, AlertPolicy.Model model, VideoAnnotations truth,
            List<List<Detection>> found, int k, int phase) {
        Tracker tracker = new Tracker(config.tracking().settings(), Manifest.MAX_CLASSES);
        AlertPolicy policy = new AlertPolicy(config.alerts().settings(), "bench", "replay", (x, y) -> null);
        EventEvaluator eval = new EventEvaluator(truth);
        for (int i = phase; i < found.size(); i += k) {
            for (AlertEvent a : policy.update(i, Instant.EPOCH, tracker.update(i, found.get(i)), model)) {
                if (a.type().equals(AlertEvent.NEW)) {
                    eval.add(i, a.box());
                }
            }
        }
        return eval;
    }

    /**
     * One missed part: its defects' classes, frames, the frames with a detection centred inside it at the bundle's
     * threshold, and the best score inside it down to {@link #FLOOR}.
     */
    private static String missed(String clip, VideoAnnotations truth, List<List<Detection>> found,
            List<List<Detection>> all, VideoAnnotations.Part p) {
        TreeSet<String> classes = new TreeSet<>();
        truth.defects().stream().filter(d -> d.track() == p.track())
                .forEach(d -> classes.add(truth.classes().get(d.classId())));
        float best = 0;
        int sightings = 0;
        for (int i = p.firstFrame(); i <= p.lastFrame() && i < found.size(); i++) {
            Box part = partBox(truth.frames().get(i), p.track());
            if (part == null) {
                continue;
            }
            sightings += found.get(i).stream().anyMatch(d -> inside(part, d)) ? 1 : 0;
            for (Detection d : all.get(i)) {
                if (inside(part, d)) {
                    best = Math.max(best, d.score());
                }
            }
        }
        return String.format(Locale.ROOT, "MISSED clip=%s part=%d defects=%s frames=%d-%d frames_with_detection=%d "
                + "best_score=%.3f", clip, p.track(), String.join(",", classes), p.firstFrame(), p.lastFrame(),
                sightings, best);
    }

    private static boolean inside(Box part, Detection d) {
        return part.contains(d.box().centerX(), d.box().centerY());
    }

    private static Box partBox(VideoAnnotations.FrameLabels frame, long track) {
        return frame.parts().stream().filter(b -> b.track() == track).map(VideoAnnotations.PartBox::box).findFirst()
                .orElse(null);
    }
}
