package com.edgeinspect.trainer.eval;

import ai.onnxruntime.OrtException;
import com.edgeinspect.core.dataset.Annotation;
import com.edgeinspect.core.dataset.VideoAnnotations;
import com.edgeinspect.core.detect.Detection;
import com.edgeinspect.core.detect.OrtDetector;
import com.edgeinspect.core.metrics.DetectionEvaluator;
import com.edgeinspect.trainer.data.AnnotatedVideo;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.bytedeco.ffmpeg.global.avutil;

/**
 * Scores a detector on annotated clips exactly as the appliance would run it: whole decoded 1080p frames through
 * {@code appliance/core}'s {@link OrtDetector} (same preprocessing and decoding). Defects less than half visible
 * are crowd regions: finding them is not rewarded and not punished.
 */
public final class VideoEvaluation {

    private static final double MIN_VISIBLE = 0.5;

    private VideoEvaluation() {}

    /**
     * Adds every {@code every}-th frame of each clip to {@code into} and to its own evaluator in {@code perClip}
     * (clips without one are scored only together); returns mean inference milliseconds. Frames are decoded as
     * they are scored: any length of clip.
     */
    public static double run(OrtDetector detector, List<Path> videos, int every, DetectionEvaluator into,
            Map<Path, DetectionEvaluator> perClip) throws IOException, OrtException {
        Timer timer = new Timer(detector);
        byte[][] bgr = {new byte[0]};
        for (Path video : videos) {
            AnnotatedVideo clip = AnnotatedVideo.open(video);
            DetectionEvaluator alone = perClip.get(video);
            clip.decode(avutil.AV_PIX_FMT_BGR24, every, "eval", (index, f, labels) -> {
                if (bgr[0].length != f.imageWidth * f.imageHeight * 3) {
                    bgr[0] = new byte[f.imageWidth * f.imageHeight * 3];
                }
                AnnotatedVideo.copyPixels(f, 0, 0, f.imageWidth, f.imageHeight, bgr[0]);
                List<Detection> found = timer.detect(bgr[0], f.imageWidth, f.imageHeight);
                List<Annotation> truth = clip.labels(labels, MIN_VISIBLE);
                into.add(truth, found);
                if (alone != null) {
                    alone.add(truth, found);
                }
            });
        }
        return timer.meanMs();
    }

    /**
     * Decodes every {@code every}-th frame of each clip once and keeps it with its truth, for detectors scored on
     * the same frames again and again (the search: decoding is about a fifth of a pass over 1080p clips). Memory:
     * width x height x 3 bytes a frame, 6 MB at 1080p.
     */
    public static Kept keep(List<Path> videos, int every) throws IOException {
        List<Kept.Image> frames = new ArrayList<>();
        for (Path video : videos) {
            AnnotatedVideo clip = AnnotatedVideo.open(video);
            clip.decode(avutil.AV_PIX_FMT_BGR24, every, "decode", (index, f, labels) -> {
                byte[] bgr = new byte[f.imageWidth * f.imageHeight * 3];
                AnnotatedVideo.copyPixels(f, 0, 0, f.imageWidth, f.imageHeight, bgr);
                frames.add(new Kept.Image(bgr, f.imageWidth, f.imageHeight, clip.labels(labels, MIN_VISIBLE)));
            });
        }
        return new Kept(List.copyOf(frames));
    }

    /** Frames decoded once with their truth ({@link #keep}). */
    public record Kept(List<Image> frames) {
        record Image(byte[] bgr, int width, int height, List<Annotation> truth) {}
    }

    /** Adds every kept frame to the evaluator; returns mean inference milliseconds. */
    public static double run(OrtDetector detector, Kept kept, DetectionEvaluator into) throws OrtException {
        Timer timer = new Timer(detector);
        for (Kept.Image i : kept.frames()) {
            into.add(i.truth(), timer.detect(i.bgr(), i.width(), i.height()));
        }
        return timer.meanMs();
    }

    /** Mean inference milliseconds on every {@code every}-th kept frame, nothing scored. */
    public static double time(OrtDetector detector, Kept kept, int every) throws OrtException {
        Timer timer = new Timer(detector);
        for (int k = 0; k < kept.frames().size(); k += every) {
            Kept.Image i = kept.frames().get(k);
            timer.detect(i.bgr(), i.width(), i.height());
        }
        return timer.meanMs();
    }

    /** Times each inference (preprocessing, ONNX Runtime, decoding of the outputs), nothing else. */
    private static final class Timer {
        private final OrtDetector detector;
        private long nanos;
        private int frames;

        Timer(OrtDetector detector) {
            this.detector = detector;
        }

        List<Detection> detect(byte[] bgr, int width, int height) throws OrtException {
            long t0 = System.nanoTime();
            List<Detection> found = detector.detect(bgr, width, height);
            nanos += System.nanoTime() - t0;
            frames++;
            return found;
        }

        double meanMs() {
            return frames == 0 ? 0 : nanos / 1e6 / frames;
        }
    }
}
