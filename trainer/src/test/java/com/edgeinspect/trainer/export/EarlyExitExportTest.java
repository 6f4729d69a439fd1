package com.edgeinspect.trainer.export;

import static org.assertj.core.api.Assertions.assertThat;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import com.edgeinspect.core.detect.DetectorOutputs;
import com.edgeinspect.core.detect.Region;
import com.edgeinspect.trainer.model.Conv;
import com.edgeinspect.trainer.model.Detector;
import com.edgeinspect.trainer.model.DetectorSpec;
import com.edgeinspect.trainer.model.Gate;
import com.edgeinspect.trainer.model.TorchOps;
import java.nio.FloatBuffer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.assertj.core.data.Offset;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

/**
 * The early-exit form: the first graph's gate map is what libtorch's gate computes, and the second graph gives what the
 * whole graph gives: everywhere on the whole frame's region, and inside a smaller region away from its inner edges.
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
        float[] expectedCells;
        try (NoGradGuard g = new NoGradGuard()) {
            TorchOps ops = new TorchOps();
            expectedCells = Conv.floats(torch.sigmoid(gate.cells(ops, model.backbone(ops, input))));
        }

        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession s = env.createSession(whole, new OrtSession.SessionOptions());
                OrtSession one = env.createSession(stages.get(0), new OrtSession.SessionOptions());
                OrtSession two = env.createSession(stages.get(1), new OrtSession.SessionOptions());
                OnnxTensor in = OnnxTensor.createTensor(env, FloatBuffer.wrap(OnnxExporterTest.floats(input)),
                        input.shape());
                OrtSession.Result all = s.run(Map.of(DetectorOutputs.INPUT, in));
                OrtSession.Result first = one.run(Map.of(DetectorOutputs.INPUT, in))) {
            float[] cells = values(first, DetectorOutputs.GATE_CELLS);
            assertThat(cells).hasSize(16 * 20);
            float highest = 0;
            for (int i = 0; i < cells.length; i++) {
                assertThat((double) cells[i]).isCloseTo(expectedCells[i], Offset.offset(1e-5));
                highest = Math.max(highest, cells[i]);
            }
            assertThat(values(first, DetectorOutputs.GATE)).containsExactly(highest);

            Region frame = Region.whole(8, 10);
            Region part = new Region(2, 3, 7, 9, 8, 10);
            for (Region region : List.of(frame, part)) {
                try (OrtSession.Result second = two.run(inputs(env, first, region))) {
                    for (String name : List.of(DetectorOutputs.HEATMAP, DetectorOutputs.SIZE, DetectorOutputs.OFFSET)) {
                        float[] want = values(all, name);
                        float[] got = values(second, name);
                        int h = region.outputHeight();
                        int w = region.outputWidth();
                        assertThat(got).as(name).hasSize(want.length / (32 * 40) * h * w);
                        double max = 0;
                        int compared = 0;
                        for (int c = 0; c < got.length / (h * w); c++) {
                            for (int y = 0; y < h; y++) {
                                for (int x = 0; x < w; x++) {
                                    double cx = region.x() + 4 * x + 2;
                                    double cy = region.y() + 4 * y + 2;
                                    if (region.inside(cx, cy)) {
                                        int wy = region.y() / 4 + y;
                                        int wx = region.x() / 4 + x;
                                        max = Math.max(max, Math.abs(got[(c * h + y) * w + x]
                                                - want[(c * 32 + wy) * 40 + wx]));
                                        compared++;
                                    }
                                }
                            }
                        }
                        assertThat(compared).as("%s cells compared in %s", name, region)
                                .isEqualTo(region == frame ? got.length : got.length / (h * w) * (h - 8) * (w - 8));
                        assertThat(max).as("max abs diff of %s in %s", name, region).isLessThan(1e-5);
                    }
                }
            }
        }
    }

    private static Map<String, OnnxTensor> inputs(OrtEnvironment env, OrtSession.Result first, Region region)
            throws Exception {
        Map<String, OnnxTensor> in = new HashMap<>();
        for (String f : DetectorOutputs.FEATURES) {
            in.put(f, (OnnxTensor) first.get(f).orElseThrow());
        }
        in.put(DetectorOutputs.REGION, OnnxTensor.createTensor(env, region.input()));
        return in;
    }

    private static float[] values(OrtSession.Result r, String name) throws Exception {
        FloatBuffer b = ((OnnxTensor) r.get(name).orElseThrow()).getFloatBuffer();
        float[] out = new float[b.remaining()];
        b.get(out);
        return out;
    }
}
