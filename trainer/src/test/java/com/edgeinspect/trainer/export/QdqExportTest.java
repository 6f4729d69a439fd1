package com.edgeinspect.trainer.export;

import static com.edgeinspect.trainer.export.OnnxExporterTest.floats;
import static com.edgeinspect.trainer.export.OnnxExporterTest.realCrop;
import static org.assertj.core.api.Assertions.assertThat;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import com.edgeinspect.core.bundle.ModelContract;
import com.edgeinspect.core.detect.DetectorOutputs;
import com.edgeinspect.trainer.distill.DistillModel;
import com.edgeinspect.trainer.distill.Distillation;
import com.edgeinspect.trainer.distill.TeacherPass;
import com.edgeinspect.trainer.model.Detector;
import com.edgeinspect.trainer.model.DetectorSpec;
import com.edgeinspect.trainer.model.TorchOps;
import com.edgeinspect.trainer.quant.QuantModel;
import com.edgeinspect.trainer.quant.QuantOps;
import com.edgeinspect.trainer.quant.QuantScales;
import com.edgeinspect.trainer.train.DetectionLoss;
import com.edgeinspect.trainer.train.FitLoop;
import com.edgeinspect.trainer.train.Sample;
import com.edgeinspect.trainer.train.SampleSets;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * INT8: folding BatchNorm keeps the function, the QDQ graph ONNX Runtime runs computes what the fake-quantised
 * libtorch forward computes, it is laid out as TensorRT wants it, and quantisation-aware distillation learns.
 */
class QdqExportTest {

    static final DetectorSpec TEACHER = new DetectorSpec(5, new int[] {8, 16, 16, 24}, 1, 16);
    static final DetectorSpec STUDENT = new DetectorSpec(5, new int[] {8, 8, 16, 16}, 1, 8);

    @TempDir
    Path tmp;

    @Test
    void foldedStudentComputesWhatTheTrainedOneDoes() throws Exception {
        Detector trained = trainedStudent();
        QuantModel q = QuantModel.fold(trained, null, TEACHER);
        Tensor x = realCrop(96, 128);
        assertThat(maxDiff(heatmap(trained, new TorchOps(), x), heatmap(q.student(), new TorchOps(), x)))
                .isLessThan(1e-4);
    }

    @Test
    void onnxRuntimeRunsTheQdqGraphAsTheFakeQuantisedForwardComputesIt() throws Exception {
        QuantModel q = calibrated();
        ModelProto int8 = OnnxExporter.toOnnx(q.student(), Map.of(), q.scales());

        Map<String, String> producer = new HashMap<>();
        int8.getGraph().getNodeList().forEach(n -> producer.put(n.getOutput(0), n.getOpType()));
        List<NodeProto> convs = int8.getGraph().getNodeList().stream().filter(n -> n.getOpType().equals("Conv")).toList();
        assertThat(convs).hasSize(q.student().layers().size());
        for (NodeProto c : convs.subList(1, convs.size())) { // all but the float stem
            assertThat(producer.get(c.getInput(0))).as("input of %s", c.getName()).isEqualTo("DequantizeLinear");
            assertThat(producer.get(c.getInput(1))).as("weight of %s", c.getName()).isEqualTo("DequantizeLinear");
        }
        for (TensorProto t : int8.getGraph().getInitializerList()) {
            if (t.getName().endsWith(".zero")) {
                assertThat(t.getDataType()).isEqualTo(TensorProto.DataType.INT8.getNumber());
                assertThat(t.getRawData().toByteArray()).as("zero points (TensorRT: 0)").containsOnly(0);
            }
        }

        // The same integer arithmetic, but libtorch's and ONNX Runtime's convolutions may sum in different orders (it
        // depends on the CPU's kernels), and a sum that lands on the other side of a rounding boundary moves that
        // activation one int8 step, which later layers spread. Identical on some machines; here (AMD EPYC, oneDNN at
        // AVX2) a fifth of the outputs differ, by a sixth of what quantisation itself moves them on average.
        for (Tensor x : List.of(realCrop(96, 128), realCrop(160, 192))) {
            float[] want = floats(heatmap(q.student(), new QuantOps(q), x));
            float[] got = ort(int8.toByteArray(), x);
            float[] unquantised = floats(heatmap(q.student(), new TorchOps(), x));
            assertThat(got).hasSameSizeAs(want);
            int same = 0;
            double diff = 0;
            double quantisation = 0;
            for (int i = 0; i < got.length; i++) {
                same += Math.abs(got[i] - want[i]) < 1e-5 ? 1 : 0;
                diff += Math.abs(got[i] - want[i]);
                quantisation += Math.abs(unquantised[i] - want[i]);
            }
            assertThat(same).as("outputs equal to 1e-5").isGreaterThan(got.length / 2);
            assertThat(diff).as("mean abs diff vs quantisation's own").isLessThan(quantisation / 2);
        }
    }

    @Test
    void theCpuFormRunsAsQLinearConvAndComputesWhatTheTensorRtFormComputes() throws Exception {
        QuantModel q = calibrated();
        ModelProto trt = OnnxExporter.toOnnx(q.student(), Map.of(), q.scales());
        ModelProto cpu = CpuQdq.rewrite(trt);
        java.util.Set<String> read = new java.util.HashSet<>();
        cpu.getGraph().getNodeList().forEach(n -> read.addAll(n.getInputList()));
        assertThat(cpu.getGraph().getInitializerList()).as("initializers no node reads")
                .allMatch(t -> read.contains(t.getName()));
        Path optimised = tmp.resolve("cpu-optimised.onnx");
        try (OrtSession.SessionOptions o = new OrtSession.SessionOptions()) {
            o.setOptimizedModelFilePath(optimised.toString());
            OrtEnvironment.getEnvironment().createSession(cpu.toByteArray(), o).close();
        }
        List<NodeProto> nodes = ModelProto.parseFrom(java.nio.file.Files.readAllBytes(optimised)).getGraph()
                .getNodeList();
        Map<String, Long> ops = nodes.stream().collect(java.util.stream.Collectors.groupingBy(NodeProto::getOpType,
                java.util.stream.Collectors.counting()));
        // all but the stem: two per backbone stage (down + one conv), three laterals, smooth, two per head
        assertThat(ops.get("QLinearConv")).as("convolutions ONNX Runtime runs as QLinearConv (%s)", ops).isEqualTo(16);
        assertThat(ops.get("QLinearAdd")).as("the neck's adds in int8 (%s)", ops).isEqualTo(2);
        assertThat(ops.getOrDefault("Conv", 0L) + ops.getOrDefault("FusedConv", 0L)).as("float convolutions: the stem")
                .isEqualTo(1);
        assertThat(ops).as("the stem stays in plain NCHW: no reorder of its output").doesNotContainKey("ReorderOutput");
        assertThat(ops).as("the neck upsamples by copies, not Resize").doesNotContainKey("Resize");
        assertThat(nodes.stream().filter(n -> n.getOpType().equals("QLinearConv")))
                .as("int8 convolutions channels-last, with no transposes of their own")
                .allMatch(n -> n.getAttributeList().stream().anyMatch(a -> a.getName().equals("channels_last")
                        && a.getI() == 1));
        // what the appliance reads to keep the CPU form off TensorRT
        assertThat(ModelContract.unsignedQuantisation(cpu.toByteArray(), "cpu")).isTrue();
        assertThat(ModelContract.unsignedQuantisation(trt.toByteArray(), "tensorrt")).isFalse();
        // Differs only where int8 saturates and uint8 does not, and by biases on their int32 grid, which can move a
        // quantised heatmap logit by one step: a score by at most a quarter of it (the sigmoid's steepest slope).
        float step = q.scales().outputs().get(q.student().outputLayers().get(0));
        for (Tensor x : List.of(realCrop(96, 128), realCrop(160, 192))) {
            float[] want = ort(trt.toByteArray(), x);
            float[] got = ort(cpu.toByteArray(), x);
            double max = 0;
            int moved = 0;
            for (int i = 0; i < got.length; i++) {
                max = Math.max(max, Math.abs(got[i] - want[i]));
                moved += Math.abs(got[i] - want[i]) > 1e-6 ? 1 : 0;
            }
            assertThat(max).as("max abs diff of the heatmap, cpu vs tensorrt form").isLessThan(step / 4 + 1e-6);
            assertThat(moved).as("heatmap scores that differ at all (2% here)").isLessThan(got.length / 20);
        }
    }

    @Test
    void quantisationAwareDistillationLowersTheLossAndMovesTheWeights() throws Exception {
        List<Sample> samples = samples();
        torch.manual_seed(4);
        Detector teacher = new Detector(TEACHER);
        new FitLoop(teacher, new FitLoop.Settings(30, 4, 3e-3, 0, 3, 1, 100), tmp.resolve("t"))
                .run(samples, 5, DetectionLoss.objective(teacher));
        QuantModel q = QuantModel.fold(trainedStudent(), new DistillModel(STUDENT, TEACHER), TEACHER);
        q.calibrating(true);
        try (NoGradGuard g = new NoGradGuard()) {
            q.student().describe(new QuantOps(q), realCrop(96, 96));
        }
        q.calibrating(false);
        List<Float> scales = scales(q);
        float[] before = floats(q.student().layers().get("stem").weight());
        Distillation d = new Distillation(TeacherPass.of(teacher), q.distillModel(), Distillation.Weights.DEFAULT,
                60, () -> new QuantOps(q), null);
        List<Map<String, Double>> log = new FitLoop(q, new FitLoop.Settings(60, 4, 2e-3, 0, 3, 2, 100),
                tmp.resolve("q")).run(samples, 5, d);
        double first = log.subList(0, 10).stream().mapToDouble(r -> r.get("loss")).average().orElseThrow();
        double last = log.subList(50, 60).stream().mapToDouble(r -> r.get("loss")).average().orElseThrow();
        assertThat(last).as("loss falls under fake quantisation").isLessThan(first);
        assertThat(maxDiff(torch.tensor(before), q.student().layers().get("stem").weight().detach().flatten()))
                .as("weights move").isGreaterThan(1e-4);
        assertThat(scales(q)).as("activation scales stay frozen").containsExactlyElementsOf(scales);
    }

    private QuantModel calibrated() throws Exception {
        QuantModel q = QuantModel.fold(trainedStudent(), null, TEACHER);
        q.calibrating(true);
        try (NoGradGuard g = new NoGradGuard()) {
            for (int i = 0; i < 4; i++) {
                q.student().describe(new QuantOps(q), realCrop(96, 128).add(torch.randn(1, 3, 96, 128)
                        .mul(new Scalar(0.1))));
            }
        }
        q.calibrating(false);
        return q;
    }

    private static List<Float> scales(QuantModel q) {
        QuantScales s = q.scales();
        List<Float> all = new java.util.ArrayList<>();
        for (var c : q.student().layers().values()) {
            all.add(s.inputs().get(c));
            all.add(s.outputs().get(c));
        }
        for (float f : s.adds()) {
            all.add(f);
        }
        return all;
    }

    /** A student with a few steps of training and non-trivial BatchNorm statistics. */
    private Detector trainedStudent() throws Exception {
        torch.manual_seed(3);
        Detector s = new Detector(STUDENT);
        new FitLoop(s, new FitLoop.Settings(20, 4, 3e-3, 0, 3, 1, 100), tmp.resolve("s" + System.nanoTime()))
                .run(samples(), 5, DetectionLoss.objective(s));
        s.eval();
        return s;
    }

    private static List<Sample> samples() throws Exception {
        return SampleSets.fromVideos(List.of(Path.of("../test-videos/mixed-defects.mp4")), 30, 96, 1, 0.5, 1);
    }

    private static Tensor heatmap(Detector d, TorchOps ops, Tensor x) {
        try (NoGradGuard g = new NoGradGuard()) {
            d.eval();
            return torch.sigmoid(d.describe(ops, x).heatmapLogits());
        }
    }

    private static double maxDiff(Tensor a, Tensor b) {
        return a.sub(b).abs().max().item_float();
    }

    private static float[] ort(byte[] onnx, Tensor input) throws Exception {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession s = env.createSession(onnx, new OrtSession.SessionOptions());
                OnnxTensor in = OnnxTensor.createTensor(env, FloatBuffer.wrap(floats(input)), input.shape());
                OrtSession.Result r = s.run(Map.of(DetectorOutputs.INPUT, in))) {
            OnnxTensor t = (OnnxTensor) r.get(DetectorOutputs.HEATMAP).orElseThrow();
            float[] out = new float[(int) t.getInfo().getNumElements()];
            t.getFloatBuffer().get(out);
            return out;
        }
    }
}
