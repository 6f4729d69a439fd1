package com.edgeinspect.trainer.export;

import static org.assertj.core.api.Assertions.assertThat;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import com.edgeinspect.core.detect.DetectorOutputs;
import com.edgeinspect.trainer.model.Detector;
import com.edgeinspect.trainer.model.DetectorSpec;
import com.edgeinspect.trainer.model.TorchOps;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.Map;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.Frame;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

/** The exported ONNX graph, run by ONNX Runtime, computes what libtorch computes (max abs diff < 1e-4). */
class OnnxExporterTest {

    @Test
    void onnxRuntimeMatchesLibtorchOnRandomAndRealInputs() throws Exception {
        torch.manual_seed(11);
        Detector model = new Detector(DetectorSpec.student(5));
        // Give every BatchNorm non-trivial statistics and affine terms, so folding is really exercised.
        model.train(true);
        for (int i = 0; i < 3; i++) {
            model.describe(new TorchOps(), torch.randn(2, 3, 64, 96).mul(new Scalar(0.7)).add(new Scalar(0.2)));
        }
        try (NoGradGuard g = new NoGradGuard()) {
            org.bytedeco.pytorch.TensorVector params = model.parameters();
            for (long i = 0; i < params.size(); i++) {
                Tensor t = params.get(i);
                t.add_(torch.randn(t.sizes()).mul(new Scalar(0.05)));
            }
        }
        byte[] onnx = OnnxExporter.toOnnx(model, Map.of("test", "1")).toByteArray();

        compare(model, onnx, torch.randn(1, 3, 64, 96));
        compare(model, onnx, realCrop(128, 160));
    }

    private static void compare(Detector model, byte[] onnx, Tensor input) throws Exception {
        Tensor[] expected = new Tensor[3];
        try (NoGradGuard g = new NoGradGuard()) {
            model.eval();
            Detector.Heads<Tensor> h = model.describe(new TorchOps(), input);
            expected[0] = torch.sigmoid(h.heatmapLogits());
            expected[1] = h.size();
            expected[2] = h.offset();
        }
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        float[] data = floats(input);
        try (OrtSession s = env.createSession(onnx, new OrtSession.SessionOptions());
                OnnxTensor in = OnnxTensor.createTensor(env, FloatBuffer.wrap(data), input.shape());
                OrtSession.Result r = s.run(Map.of(DetectorOutputs.INPUT, in))) {
            String[] names = {DetectorOutputs.HEATMAP, DetectorOutputs.SIZE, DetectorOutputs.OFFSET};
            for (int k = 0; k < 3; k++) {
                OnnxTensor t = (OnnxTensor) r.get(names[k]).orElseThrow();
                assertThat(t.getInfo().getShape()).as(names[k]).containsExactly(expected[k].shape());
                float[] got = new float[(int) expected[k].numel()];
                t.getFloatBuffer().get(got);
                float[] want = floats(expected[k]);
                double max = 0;
                for (int i = 0; i < got.length; i++) {
                    max = Math.max(max, Math.abs(got[i] - want[i]));
                }
                assertThat(max).as("max abs diff of %s", names[k]).isLessThan(1e-4);
                // and the outputs carry information: a constant map would make the comparison vacuous
                double lo = Double.MAX_VALUE;
                double hi = -Double.MAX_VALUE;
                for (float v : want) {
                    lo = Math.min(lo, v);
                    hi = Math.max(hi, v);
                }
                assertThat(hi - lo).as("spread of %s", names[k]).isGreaterThan(1e-2);
            }
        }
    }

    /** A crop of a committed clip's frame, normalised as the appliance feeds it. */
    static Tensor realCrop(int h, int w) throws Exception {
        return normalised(realBgr(h, w), h, w);
    }

    /** Packed BGR bytes as the graph's input tensor. */
    static Tensor normalised(byte[] bgr, int h, int w) {
        float[] chw = new float[3 * h * w];
        for (int i = 0; i < h * w; i++) {
            for (int c = 0; c < 3; c++) {
                chw[c * h * w + i] = DetectorOutputs.normalise((bgr[i * 3 + 2 - c] & 255) / 255f); // BGR -> RGB
            }
        }
        return torch.from_blob(new org.bytedeco.javacpp.FloatPointer(chw), new long[] {1, 3, h, w},
                (org.bytedeco.pytorch.PointerConsumer) null).clone();
    }

    /** The same crop as packed BGR bytes, as a camera frame reaches the detector. */
    static byte[] realBgr(int h, int w) throws Exception {
        try (FFmpegFrameGrabber g = new FFmpegFrameGrabber(Path.of("../test-videos/mixed-defects.mp4").toFile())) {
            g.start();
            Frame f = g.grabImage();
            java.nio.ByteBuffer frame = (java.nio.ByteBuffer) f.image[0];
            byte[] out = new byte[h * w * 3];
            for (int y = 0; y < h; y++) {
                frame.get((400 + y) * f.imageStride + 800 * 3, out, y * w * 3, w * 3);
            }
            return out;
        }
    }

    static float[] floats(Tensor t) {
        Tensor c = t.contiguous();
        float[] out = new float[(int) c.numel()];
        c.data_ptr_float().get(out);
        return out;
    }
}
