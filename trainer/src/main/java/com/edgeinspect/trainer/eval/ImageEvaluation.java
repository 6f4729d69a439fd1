package com.edgeinspect.trainer.eval;

import ai.onnxruntime.OrtException;
import com.edgeinspect.core.dataset.ImageEntry;
import com.edgeinspect.core.detect.Detection;
import com.edgeinspect.core.detect.OrtDetector;
import com.edgeinspect.core.metrics.DetectionEvaluator;
import com.edgeinspect.trainer.data.DatasetFormat;
import com.edgeinspect.trainer.data.ImageFiles;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.util.List;

/**
 * Scores a detector on a still dataset (a public defect dataset, a line's own labelled photos) the way
 * {@link VideoEvaluation} scores clips: each whole image through {@code appliance/core}'s {@link OrtDetector}, its
 * crowd regions neither rewarded nor punished.
 */
public final class ImageEvaluation {

    private ImageEvaluation() {}

    /** Adds every image of {@code data} to the evaluator; returns mean inference milliseconds. */
    public static double run(OrtDetector detector, DatasetFormat.Loaded data, DetectionEvaluator into)
            throws IOException, OrtException {
        long nanos = 0;
        for (ImageEntry e : data.dataset().images()) {
            BufferedImage img = ImageFiles.read(data.imageRoot().resolve(e.file()));
            int w = img.getWidth();
            int h = img.getHeight();
            byte[] bgr = new byte[w * h * 3];
            ImageFiles.pack(img, bgr, w, true);
            long t0 = System.nanoTime();
            List<Detection> found = detector.detect(bgr, w, h);
            nanos += System.nanoTime() - t0;
            into.add(e.annotations(), found);
        }
        return data.dataset().images().isEmpty() ? 0 : nanos / 1e6 / data.dataset().images().size();
    }
}
