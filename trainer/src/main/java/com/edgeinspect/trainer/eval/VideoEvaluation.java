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
import java.util.List;
import java.util.Map;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.Frame;

/**
 * Scores a detector on annotated clips exactly as the appliance would run it: whole decoded 1080p frames through
 * {@code appliance/core}'s {@link OrtDetector} (same preprocessing and decoding). Defects less than half visible
 * are crowd regions: finding them is not rewarded and not punished.
 */
public final class VideoEvaluation {

    private VideoEvaluation() {}

    /** Adds every {@code every}-th frame of each clip to the evaluator; returns mean inference milliseconds. */
    public static double run(OrtDetector detector, List<Path> videos, int every, DetectionEvaluator into)
            throws IOException, OrtException {
        return run(detector, videos, every, into, Map.of());
    }

    /**
     * As {@link #run(OrtDetector, List, int, DetectionEvaluator)}, each clip's frames also added to its own
     * evaluator in {@code perClip} (clips without one are scored only together).
     */
    public static double run(OrtDetector detector, List<Path> videos, int every, DetectionEvaluator into,
            Map<Path, DetectionEvaluator> perClip) throws IOException, OrtException {
        Scorer scorer = new Scorer(detector, into);
        for (Path video : videos) {
            scorer.clip = AnnotatedVideo.open(video);
            scorer.alone = perClip.get(video);
            scorer.clip.decode(avutil.AV_PIX_FMT_BGR24, every, "eval", scorer);
        }
        return scorer.frames == 0 ? 0 : scorer.nanos / 1e6 / scorer.frames;
    }

    /** Runs the detector on each frame kept and hands detections and truth to the evaluator. */
    private static final class Scorer implements AnnotatedVideo.FrameVisitor<OrtException> {
        private final OrtDetector detector;
        private final DetectionEvaluator into;
        private AnnotatedVideo clip;
        private DetectionEvaluator alone;
        private byte[] bgr = new byte[0];
        private long nanos;
        private int frames;

        Scorer(OrtDetector detector, DetectionEvaluator into) {
            this.detector = detector;
            this.into = into;
        }

        @Override
        public void accept(int index, Frame f, VideoAnnotations.FrameLabels labels) throws OrtException {
            int w = f.imageWidth;
            int h = f.imageHeight;
            if (bgr.length != w * h * 3) {
                bgr = new byte[w * h * 3];
            }
            AnnotatedVideo.copyPixels(f, 0, 0, w, h, bgr);
            long t0 = System.nanoTime();
            List<Detection> found = detector.detect(bgr, w, h);
            nanos += System.nanoTime() - t0;
            frames++;
            List<Annotation> truth = clip.labels(labels, 0.5);
            into.add(truth, found);
            if (alone != null) {
                alone.add(truth, found);
            }
        }
    }
}
