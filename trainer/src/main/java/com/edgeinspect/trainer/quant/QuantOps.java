package com.edgeinspect.trainer.quant;

import com.edgeinspect.trainer.model.Conv;
import com.edgeinspect.trainer.model.TorchOps;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;

/**
 * The detector computed as its INT8 deployment computes it: each convolution reads a fake-quantised input and
 * fake-quantised weights, each add fake-quantised inputs, and the heads give fake-quantised outputs (straight-through
 * gradients, as libtorch's fake-quantise ops define them); see {@link QuantScales}. One instance per forward pass: it
 * numbers the pass's adds.
 */
public final class QuantOps extends TorchOps {

    private final QuantModel q;
    private int adds;

    public QuantOps(QuantModel q) {
        this.q = q;
    }

    @Override
    public Tensor conv(Tensor x, Conv layer) {
        if (!q.quantised(layer)) {
            return layer.forward(x);
        }
        int p = layer.kernel() / 2;
        Tensor y = torch.conv2d(point(q.inputPoint(layer), x), quantisedWeight(layer.weight()),
                new TensorOptional(layer.bias()), new long[] {layer.stride(), layer.stride()}, new long[] {p, p},
                new long[] {1, 1}, 1);
        return q.quantisedOutput(layer) ? point(q.outputPoint(layer), y) : y;
    }

    @Override
    public Tensor add(Tensor a, Tensor b) {
        int k = adds++;
        return point(q.addPoint(k, 0), a).add(point(q.addPoint(k, 1), b));
    }

    /** A quantisation point: observed while calibrating, else fake-quantised with its frozen scale. */
    private Tensor point(int point, Tensor x) {
        if (q.isCalibrating()) {
            q.observe(point, x);
            return x;
        }
        return torch.fake_quantize_per_tensor_affine(x, q.scale(point), 0, QuantModel.QMIN, QuantModel.QMAX);
    }

    /** Per output channel, symmetric, narrow range: scale = max |w| / 127. */
    static Tensor quantisedWeight(Tensor w) {
        return torch.fake_quantize_per_channel_affine(w, weightScale(w), torch.zeros_like(weightScale(w))
                .to(torch.ScalarType.Int), 0, -QuantModel.QMAX, QuantModel.QMAX);
    }

    private static Tensor weightScale(Tensor w) {
        return w.detach().abs().amax(new long[] {1, 2, 3}, false).div(new Scalar(127f)).clamp_min(new Scalar(1e-8f));
    }

    /** A layer's weight as deployed: int8 values {@code [out, in, k, k]} and one scale per output channel. */
    public record Int8Weights(byte[] values, float[] scales) {}

    /**
     * The weight exactly as training saw it: the integers are recovered from libtorch's own fake-quantised values
     * (integer times scale, so the division is exact), never re-rounded here.
     */
    public static Int8Weights int8(Conv layer) {
        try (org.bytedeco.pytorch.NoGradGuard g = new org.bytedeco.pytorch.NoGradGuard()) {
            Tensor w = layer.weight().detach();
            float[] fq = Conv.floats(quantisedWeight(w));
            float[] scales = Conv.floats(weightScale(w));
            byte[] values = new byte[fq.length];
            int per = fq.length / scales.length;
            for (int i = 0; i < fq.length; i++) {
                values[i] = (byte) Math.round(fq[i] / scales[i / per]);
            }
            return new Int8Weights(values, scales);
        }
    }
}
