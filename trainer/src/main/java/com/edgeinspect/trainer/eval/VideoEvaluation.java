package com.edgeinspect.trainer.eval;

import ai.onnxruntime.OrtException;
import com.edgeinspect.core.dataset.Annotation;
import com.edgeinspect.core.dataset.VideoAnnotations;
import com.edgeinspect.core.detect.Detection;
import com.edgeinspect.core.detect.OrtDetector;
import com.edgeinspect.core.metrics.DetectionEvaluator;
import com.edgeinspect.trainer.cli.Progress;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameGrabber;
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
        long nanos = 0;
        int frames = 0;
        for (Path video : videos) {
            VideoAnnotations ann = VideoAnnotations.readBeside(video);
            try (FFmpegFrameGrabber g = new FFmpegFrameGrabber(video.toFile());
                    Progress p = new Progress("eval " + video.getFileName(), ann.frames().size(), "frames")) {
                g.setPixelFormat(avutil.AV_PIX_FMT_BGR24);
                g.start();
                byte[] bgr = null;
                Frame f;
                int index = 0;
                while ((f = g.grabImage()) != null && index < ann.frames().size()) {
                    if (index % every == 0) {
                        int w = f.imageWidth;
                        int h = f.imageHeight;
                        if (bgr == null || bgr.length != w * h * 3) {
                            bgr = new byte[w * h * 3];
                        }
                        ByteBuffer px = (ByteBuffer) f.image[0];
                        for (int y = 0; y < h; y++) {
                            px.position(y * f.imageStride);
                            px.get(bgr, y * w * 3, w * 3);
                        }
                        px.rewind();
                        long t0 = System.nanoTime();
                        List<Detection> found = detector.detect(bgr, w, h);
                        nanos += System.nanoTime() - t0;
                        frames++;
                        into.add(truth(ann, ann.frames().get(index)), found);
                    }
                    index++;
                    p.step(1);
                }
            }
        }
        return frames == 0 ? 0 : nanos / 1e6 / frames;
    }

    static List<Annotation> truth(VideoAnnotations ann, VideoAnnotations.FrameLabels labels) {
        List<Annotation> out = new ArrayList<>();
        for (VideoAnnotations.DefectBox d : labels.defects()) {
            VideoAnnotations.Defect def = ann.defect(d.id());
            out.add(new Annotation(def.classId(), d.box(), d.visible() < 0.5, def.track()));
        }
        return out;
    }
}
