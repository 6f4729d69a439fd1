package com.edgeinspect.trainer.export;

import static org.assertj.core.api.Assertions.assertThat;

import com.edgeinspect.core.bundle.Bundle;
import com.edgeinspect.core.bundle.Keys;
import com.edgeinspect.core.bundle.SmokeTest;
import com.edgeinspect.core.detect.CenterNetDecoder;
import com.edgeinspect.core.detect.OrtDetector;
import com.edgeinspect.trainer.model.Detector;
import com.edgeinspect.trainer.model.DetectorSpec;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

/** A bundle made only to be timed on a box: signed, and its golden cases pass the box's own smoke test. */
class BundlesTest {

    @Test
    void aTimingBundleVerifiesAndPassesItsSmokeTest() throws Exception {
        torch.manual_seed(3);
        List<String> classes = List.of("scratch", "crack", "pit", "stain", "chip");
        byte[] onnx = OnnxExporter.toOnnx(new Detector(new DetectorSpec(5, new int[] {8, 8, 16, 16}, 0, 8)), Map.of())
                .toByteArray();
        KeyPair key = Keys.generate();
        byte[] zip = Bundles.forTiming(onnx, "candidate", classes, Path.of("../test-videos/mixed-defects.mp4"), key);

        Bundle b = Bundle.read(zip, "timing", new Bundle.Trust(List.of(key.getPublic()), false, Long.MAX_VALUE));
        assertThat(b.signer()).isEqualTo(Keys.id(key.getPublic()));
        assertThat(b.manifest().classes()).isEqualTo(classes);
        assertThat(b.manifest().golden()).isNotEmpty();
        try (OrtDetector d = new OrtDetector(b.model(), classes.size(), List.of(OrtDetector.Provider.CPU), 2,
                new CenterNetDecoder(0.5f, 1))) {
            assertThat(SmokeTest.run(b, d)).isPositive();
        }
    }
}
