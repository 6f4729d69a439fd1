package com.edgeinspect.trainer.export;

import ai.onnxruntime.OrtException;
import com.edgeinspect.core.bundle.Bundle;
import com.edgeinspect.core.bundle.Manifest;
import com.edgeinspect.core.dataset.Box;
import com.edgeinspect.core.detect.DetectorOutputs;
import com.edgeinspect.core.detect.OrtDetector;
import com.edgeinspect.core.detect.Preprocessor;
import com.edgeinspect.trainer.data.AnnotatedVideo;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.bytedeco.ffmpeg.global.avutil;

/**
 * The smoke-test cases a bundle carries: inputs and the outputs this exact model gives for them on ONNX Runtime CPU.
 * One is a crop of a real clip around a defect (the model must find it the same way on the device); one is seeded
 * noise (exercises every weight, not only the ones a defect excites). Small inputs keep bundles small: the graph is
 * fully convolutional, so a crop runs the same layers as a full frame.
 */
public final class GoldenCases {

    /** Crop side of the real case; a multiple of {@link DetectorOutputs#ALIGN}. */
    static final int CROP = 256;
    static final int NOISE = 64;
    /** Allows for fp16 engines (TensorRT) on the device; a wrong or broken model misses by far more. */
    static final double TOLERANCE = 0.02;

    private GoldenCases() {}

    /** Adds the cases' files to {@code files} and returns their manifest entries. */
    public static List<Manifest.Golden> make(OrtDetector model, Path clip, Map<String, byte[]> files)
            throws IOException, OrtException {
        List<Manifest.Golden> out = new ArrayList<>();
        if (clip != null) {
            out.add(add("real", realCrop(clip), new long[] {1, 3, CROP, CROP}, model, files));
        }
        Random r = new Random(7);
        float[] noise = new float[3 * NOISE * NOISE];
        for (int i = 0; i < noise.length; i++) {
            noise[i] = (float) r.nextGaussian();
        }
        out.add(add("noise", noise, new long[] {1, 3, NOISE, NOISE}, model, files));
        return out;
    }

    private static Manifest.Golden add(String name, float[] input, long[] shape, OrtDetector model,
            Map<String, byte[]> files) throws OrtException {
        String in = "golden/" + name + "-input.bin";
        files.put(in, Bundle.bytes(input));
        Map<String, String> outputs = new LinkedHashMap<>();
        for (Map.Entry<String, float[]> o : model.raw(input, shape).entrySet()) {
            String path = "golden/" + name + "-" + o.getKey() + ".bin";
            files.put(path, Bundle.bytes(o.getValue()));
            outputs.put(o.getKey(), path);
        }
        return new Manifest.Golden(in, java.util.Arrays.stream(shape).boxed().toList(), outputs, TOLERANCE);
    }

    /** The first fully visible defect of the clip, centred in a CROP x CROP window, preprocessed. */
    private static float[] realCrop(Path clip) throws IOException {
        AnnotatedVideo video = AnnotatedVideo.open(clip);
        float[][] found = new float[1][];
        video.decode(avutil.AV_PIX_FMT_BGR24, 1, "golden", (index, frame, labels) -> {
            if (found[0] != null) {
                return;
            }
            for (var d : labels.defects()) {
                if (d.visible() < 1) {
                    continue;
                }
                Box b = d.box();
                int x0 = clamp((int) b.centerX() - CROP / 2, frame.imageWidth - CROP);
                int y0 = clamp((int) b.centerY() - CROP / 2, frame.imageHeight - CROP);
                byte[] bgr = new byte[CROP * CROP * 3];
                AnnotatedVideo.copyPixels(frame, x0, y0, CROP, CROP, bgr);
                found[0] = Preprocessor.toArray(new Preprocessor().apply(bgr, CROP, CROP));
                return;
            }
        });
        if (found[0] == null) {
            throw new IOException(clip + ": no fully visible defect to make a golden case from");
        }
        return found[0];
    }

    private static int clamp(int v, int max) {
        return Math.max(0, Math.min(v, max));
    }
}
