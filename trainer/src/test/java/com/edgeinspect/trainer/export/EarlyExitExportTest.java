package com.edgeinspect.trainer.export;

import static org.assertj.core.api.Assertions.assertThat;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import com.edgeinspect.core.detect.DetectorOutputs;
import com.edgeinspect.trainer.model.Detector;
import com.edgeinspect.trainer.model.DetectorSpec;
import com.edgeinspect.trainer.model.Gate;
import com.edgeinspect.trainer.model.TorchOps;
import java.nio.FloatBuffer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

/**
 * The early-exit form: the first graph's gate is what libtorch's gate computes, and the two graphs run one after the
 * other give what the whole graph gives.
 */
class EarlyExitExportTest {

    @Test
    void theTwoGraphsComputeTheWholeGraphAndTheGate() throws Exception {
        torch.manual_seed(12);
        Detector model = new Detector(DetectorSpec.student(5));
        Gate gate = new Gate(DetectorSpec.student(5));
        model.eval();
        byte[] whole = OnnxExporter.toOnnx(model, Map.of()).toByteArray();
        List<byte[]> stages = OnnxExporter.stages(model, gate, Map.of()).stream().map(m -> m.toByteArray()).toList();
        Tensor input = OnnxExporterTest.realCrop(128, 160);
        float expectedGate;
        try (NoGradGuard g = new NoGradGuard()) {
            TorchOps ops = new TorchOps();
            expectedGate = torch.sigmoid(gate.describe(ops, model.backbone(ops, input))).item_float();
        }

        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession s = env.createSession(whole, new OrtSession.SessionOptions());
                OrtSession one = env.createSession(stages.get(0), new OrtSession.SessionOptions());
                OrtSession two = env.createSession(stages.get(1), new OrtSession.SessionOptions());
                OnnxTensor in = OnnxTensor.createTensor(env, FloatBuffer.wrap(OnnxExporterTest.floats(input)),
                        input.shape());
                OrtSession.Result all = s.run(Map.of(DetectorOutputs.INPUT, in));
                OrtSession.Result first = one.run(Map.of(DetectorOutputs.INPUT, in))) {
            float gateGot = ((OnnxTensor) first.get(DetectorOutputs.GATE).orElseThrow()).getFloatBuffer().get(0);
            assertThat((double) gateGot).isCloseTo(expectedGate, org.assertj.core.data.Offset.offset(1e-5));
            Map<String, OnnxTensor> features = new HashMap<>();
            for (String f : DetectorOutputs.FEATURES) {
                features.put(f, (OnnxTensor) first.get(f).orElseThrow());
            }
            try (OrtSession.Result second = two.run(features)) {
                for (String name : List.of(DetectorOutputs.HEATMAP, DetectorOutputs.SIZE, DetectorOutputs.OFFSET)) {
                    float[] want = values(all, name);
                    float[] got = values(second, name);
                    assertThat(got).as(name).hasSameSizeAs(want);
                    double max = 0;
                    for (int i = 0; i < got.length; i++) {
                        max = Math.max(max, Math.abs(got[i] - want[i]));
                    }
                    assertThat(max).as("max abs diff of %s", name).isLessThan(1e-5);
                }
            }
        }
    }

    private static float[] values(OrtSession.Result r, String name) throws Exception {
        FloatBuffer b = ((OnnxTensor) r.get(name).orElseThrow()).getFloatBuffer();
        float[] out = new float[b.remaining()];
        b.get(out);
        return out;
    }
}
