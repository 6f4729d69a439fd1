package com.edgeinspect.trainer.export;

import static org.assertj.core.api.Assertions.assertThat;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import com.edgeinspect.core.detect.CenterNetDecoder;
import com.edgeinspect.core.detect.Detection;
import com.edgeinspect.core.detect.DetectorOutputs;
import com.edgeinspect.core.detect.OrtDetector;
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
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

/**
 * The early-exit form: the first graph's gate map is what libtorch's gate computes, and the second graph gives what the
 * whole graph gives: everywhere on the whole frame's region, and inside a smaller region (its outputs widened within
 * the graph by what the stages after the first must see) away from its inner edges, for the student's depth and the
 * teacher's, which reach further.
 */
class EarlyExitExportTest {

    private static final int H = 256;
    private static final int W = 384;

    @Test
    void theTwoGraphsComputeTheWholeGraphAndTheGate() throws Exception {
        check(DetectorSpec.student(5), 12);
        check(new DetectorSpec(5, new int[] {8, 16, 24, 32}, 2, 16), 13);
    }

    private static void check(DetectorSpec spec, long seed) throws Exception {
        torch.manual_seed(seed);
        Detector model = new Detector(spec);
        Gate gate = new Gate(spec);
        model.eval();
        try (NoGradGuard g = new NoGradGuard()) {
            // At their initial scale, deep layers shrink what reaches them to a millionth: too little to tell a
            // region that sees far enough around it from one that does not.
            for (Conv c : model.layers().values()) {
                c.weight().mul_(new Scalar(2));
            }
        }
        byte[] whole = OnnxExporter.toOnnx(model, Map.of()).toByteArray();
        List<byte[]> stages = OnnxExporter.stages(model, gate, Map.of()).stream().map(m -> m.toByteArray()).toList();
        Tensor input = OnnxExporterTest.realCrop(H, W);
        float[] expectedCells;
        try (NoGradGuard g = new NoGradGuard()) {
            TorchOps ops = new TorchOps();
            expectedCells = Conv.floats(torch.sigmoid(gate.cells(ops, model.early(ops, input))));
        }
        int context = (int) OnnxExporter.contextCells(spec);
        int rows = H / 16;
        int columns = W / 16;

        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession s = env.createSession(whole, new OrtSession.SessionOptions());
                OrtSession one = env.createSession(stages.get(0), new OrtSession.SessionOptions());
                OrtSession two = env.createSession(stages.get(1), new OrtSession.SessionOptions());
                OnnxTensor in = OnnxTensor.createTensor(env, FloatBuffer.wrap(OnnxExporterTest.floats(input)),
                        input.shape());
                OrtSession.Result all = s.run(Map.of(DetectorOutputs.INPUT, in));
                OrtSession.Result first = one.run(Map.of(DetectorOutputs.INPUT, in))) {
            assertThat(two.getInputNames()).containsExactlyInAnyOrder(DetectorOutputs.REGION, "stage1");
            float[] cells = values(first, DetectorOutputs.GATE_CELLS);
            assertThat(cells).hasSize(H / 8 * (W / 8));
            float highest = 0;
            for (int i = 0; i < cells.length; i++) {
                assertThat((double) cells[i]).isCloseTo(expectedCells[i], Offset.offset(1e-5));
                highest = Math.max(highest, cells[i]);
            }
            assertThat(values(first, DetectorOutputs.GATE)).containsExactly(highest);

            Region frame = Region.whole(rows, columns);
            // Widened by the context, this one stays clear of the frame's edges: its zero padding is the graph's own.
            Region part = new Region(context + 1, context + 2, rows - context - 1, columns - context - 3, rows, columns);
            Region corner = new Region(0, 0, 4, 4, rows, columns);
            for (Region region : List.of(frame, part, corner)) {
                try (OrtSession.Result second = two.run(inputs(env, first, region))) {
                    long[] computed = (long[]) second.get(DetectorOutputs.COMPUTED).orElseThrow().getValue();
                    assertThat(computed).as("cells computed for %s", region).containsExactly(widened(region, context));
                    for (String name : List.of(DetectorOutputs.HEATMAP, DetectorOutputs.SIZE, DetectorOutputs.OFFSET)) {
                        float[] want = values(all, name);
                        float[] got = values(second, name);
                        int h = region.outputHeight();
                        int w = region.outputWidth();
                        int channels = want.length / (H / 4 * (W / 4));
                        assertThat(got).as(name).hasSize(channels * h * w);
                        double max = 0;
                        for (int c = 0; c < channels; c++) {
                            for (int y = 0; y < h; y++) {
                                for (int x = 0; x < w; x++) {
                                    int wy = region.y() / 4 + y;
                                    int wx = region.x() / 4 + x;
                                    max = Math.max(max, Math.abs(got[(c * h + y) * w + x]
                                            - want[(c * (H / 4) + wy) * (W / 4) + wx]));
                                }
                            }
                        }
                        assertThat(max).as("max abs diff of %s in %s, depth %d", name, region, spec.depth())
                                .isLessThan(1e-5);
                    }
                }
            }
        }
    }

    @Test
    void theDetectorRunsTheTwoGraphsAndCountsWhatTheSecondComputed() throws Exception {
        DetectorSpec spec = DetectorSpec.student(5);
        torch.manual_seed(14);
        Detector model = new Detector(spec);
        Gate gate = new Gate(spec);
        model.eval();
        try (NoGradGuard g = new NoGradGuard()) {
            // An untrained gate scores every cell about alike; scaled up, the cells that see more stand out.
            var weights = gate.parameters();
            for (long i = 0; i < weights.size(); i++) {
                weights.get(i).mul_(new Scalar(4));
            }
        }
        byte[] whole = OnnxExporter.toOnnx(model, Map.of()).toByteArray();
        List<byte[]> stages = OnnxExporter.stages(model, gate, Map.of()).stream().map(m -> m.toByteArray()).toList();
        // A grey frame (the graph's zero, so its padding looks like the frame) with one patch of a real one: the
        // cells that stand out are around the patch.
        int h = 768;
        int w = 1024;
        byte[] bgr = new byte[h * w * 3];
        java.util.Arrays.fill(bgr, (byte) 128);
        byte[] patch = OnnxExporterTest.realBgr(128, 128);
        for (int y = 0; y < 128; y++) {
            System.arraycopy(patch, y * 128 * 3, bgr, ((320 + y) * w + 448) * 3, 128 * 3);
        }
        float[] cells;
        try (NoGradGuard g = new NoGradGuard()) {
            TorchOps ops = new TorchOps();
            cells = Conv.floats(torch.sigmoid(gate.cells(ops, model.early(ops, OnnxExporterTest.normalised(bgr, h,
                    w)))));
        }
        float hottest = 0;
        for (float c : cells) {
            hottest = Math.max(hottest, c);
        }
        float grey = cells[0];
        float between = (hottest + grey) / 2;
        CenterNetDecoder decoder = new CenterNetDecoder(0.05f, 1 << 20); // every peak: none cut by a top-K
        try (OrtDetector early = new OrtDetector(whole, new OrtDetector.Stages(stages.get(0), stages.get(1),
                        between), 5, List.of(OrtDetector.Provider.CPU), 1, Map.of(), decoder);
                OrtDetector all = new OrtDetector(whole, 5, List.of(OrtDetector.Provider.CPU), 1, decoder)) {
            OrtDetector.Found found = early.detect(bgr, w, 0, 0, w, h, decoder);
            Region r = found.region();
            assertThat(r).as("the cells around the patch pass").isNotNull();
            assertThat(r.share()).as("the region around the patch").isLessThan(0.5);
            long[] c = widened(r, OnnxExporter.contextCells(spec));
            double share = (double) (c[2] - c[0]) * (c[3] - c[1]) / (r.rows() * r.columns());
            assertThat(found.computed()).as("share computed on, %s", r).isEqualTo(share).isGreaterThan(r.share());
            List<Detection> inside = all.detect(bgr, w, h).stream().filter(d -> r.inside(d.box().centerX(),
                    d.box().centerY())).toList();
            assertThat(found.detections()).hasSameSizeAs(inside).isNotEmpty();
            for (int k = 0; k < inside.size(); k++) {
                assertThat((double) found.detections().get(k).score()).isCloseTo(inside.get(k).score(),
                        Offset.offset(1e-5));
                assertThat(found.detections().get(k).box().iou(inside.get(k).box())).isGreaterThan(0.9999);
            }
            assertThat(early.detect(bgr, w, 0, 0, w, h, decoder, hottest * 1.01f).exited())
                    .as("above every cell, the frame exits").isTrue();
        }
    }

    /** {@code r} widened by {@code context} cells each side, within the frame: top, left, bottom, right. */
    private static long[] widened(Region r, long context) {
        return new long[] {Math.max(0, r.top() - context), Math.max(0, r.left() - context),
            Math.min(r.rows(), r.bottom() + context), Math.min(r.columns(), r.right() + context)};
    }

    private static Map<String, OnnxTensor> inputs(OrtEnvironment env, OrtSession.Result first, Region region)
            throws Exception {
        Map<String, OnnxTensor> in = new HashMap<>();
        in.put("stage1", (OnnxTensor) first.get("stage1").orElseThrow());
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
