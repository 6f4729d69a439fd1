package com.edgeinspect.core.detect;

import static org.assertj.core.api.Assertions.assertThat;

import com.edgeinspect.core.bundle.Bundle;
import com.edgeinspect.core.bundle.Keys;
import com.edgeinspect.core.bundle.Manifest;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The detector reads ONNX Runtime's outputs where ONNX Runtime holds them: its detections on the bundled model's
 * golden crops (real frames of a test clip) are exactly those decoded from copies of the same outputs.
 */
class OrtDetectorTest {

    @Test
    void detectionsReadInPlaceEqualThoseOfCopiedOutputs() throws Exception {
        assertThat(OrtDetector.readsInPlace()).isTrue();
        Bundle b = Bundle.read(Path.of("../../models/default-int8-cpu.vimodel"), new Bundle.Trust(
                List.of(Keys.readPublic(Path.of("../../models/demo-signing.pub"))), false, 64L << 20));
        CenterNetDecoder decoder = new CenterNetDecoder(0.2f, 100);
        int found = 0;
        try (OrtDetector d = new OrtDetector(b.model(), b.manifest().classes().size(),
                List.of(OrtDetector.Provider.CPU), 2, decoder)) {
            for (Manifest.Golden g : b.manifest().golden()) {
                int h = g.shape().get(2).intValue();
                int w = g.shape().get(3).intValue();
                byte[] bgr = bgr(b.floats(g.input()), w, h);
                List<Detection> inPlace = d.detect(bgr, w, h);
                Map<String, float[]> copied = d.raw(new Preprocessor().apply(bgr, w, h), Preprocessor.shape(w, h));
                List<Detection> expected = decoder.decode(FloatBuffer.wrap(copied.get(DetectorOutputs.HEATMAP)),
                        FloatBuffer.wrap(copied.get(DetectorOutputs.SIZE)),
                        FloatBuffer.wrap(copied.get(DetectorOutputs.OFFSET)), b.manifest().classes().size(),
                        h / DetectorOutputs.STRIDE, w / DetectorOutputs.STRIDE, 1.0, w, h);
                assertThat(inPlace).isEqualTo(expected);
                found += inPlace.size();
            }
        }
        assertThat(found).as("detections on the golden crops").isPositive();
    }

    /** Packed BGR pixels nearest a preprocessed input (the ones it was made from, for a crop of a frame). */
    private static byte[] bgr(float[] input, int w, int h) {
        int plane = w * h;
        byte[] out = new byte[3 * plane];
        for (int i = 0; i < plane; i++) {
            for (int c = 0; c < 3; c++) {
                float intensity = input[c * plane + i] * DetectorOutputs.STD + DetectorOutputs.MEAN;
                out[3 * i + 2 - c] = (byte) Math.max(0, Math.min(255, Math.round(intensity * 255)));
            }
        }
        return out;
    }
}
