package com.edgeinspect.trainer.model;

import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.pytorch.BatchNorm2dImpl;
import org.bytedeco.pytorch.BatchNormOptions;
import org.bytedeco.pytorch.Conv2dImpl;
import org.bytedeco.pytorch.Conv2dOptions;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;

/**
 * A square convolution, optionally followed by BatchNorm (then the conv has no bias). Padding keeps the size at
 * stride 1 and halves it at stride 2. The activation is applied by the network description, not here.
 */
public final class Conv extends Module {

    final int in;
    final int out;
    final int kernel;
    final int stride;
    final Conv2dImpl conv;
    final BatchNorm2dImpl bn;

    Conv(int in, int out, int kernel, int stride, boolean batchNorm) {
        this.in = in;
        this.out = out;
        this.kernel = kernel;
        this.stride = stride;
        Conv2dOptions o = new Conv2dOptions(in, out, new LongPointer(kernel, kernel));
        o.stride().put(new LongPointer(stride, stride));
        o.padding().put(new LongPointer(kernel / 2, kernel / 2));
        o.bias().put(!batchNorm);
        this.conv = register_module("conv", new Conv2dImpl(o));
        this.bn = batchNorm ? register_module("bn", new BatchNorm2dImpl(new BatchNormOptions(out))) : null;
    }

    /** A 1x1 convolution with bias: the adapter that maps a student feature onto a teacher's channels. */
    public static Conv adapter(int in, int out) {
        return new Conv(in, out, 1, 1, false);
    }

    public int stride() {
        return stride;
    }

    public int kernel() {
        return kernel;
    }

    /** The convolution's own weight {@code [out, in, k, k]} (before any BatchNorm). */
    public Tensor weight() {
        return conv.weight();
    }

    /** The convolution's bias, or null when a BatchNorm follows it. */
    public Tensor bias() {
        return bn == null ? conv.bias() : null;
    }

    /** Overwrites a BatchNorm-free layer's weight and bias, e.g. with another layer's folded values. */
    public void set(float[] weight, float[] bias) {
        if (bn != null || weight.length != conv.weight().numel() || bias.length != out) {
            throw new IllegalArgumentException("set: layer " + in + "->" + out + " k" + kernel
                    + (bn != null ? " has BatchNorm" : " takes " + conv.weight().numel() + " weights"));
        }
        try (org.bytedeco.pytorch.NoGradGuard g = new org.bytedeco.pytorch.NoGradGuard()) {
            conv.weight().copy_(org.bytedeco.pytorch.global.torch.tensor(weight).view(out, in, kernel, kernel));
            conv.bias().copy_(org.bytedeco.pytorch.global.torch.tensor(bias));
        }
    }

    public Tensor forward(Tensor x) {
        Tensor y = conv.forward(x);
        return bn == null ? y : bn.forward(y);
    }

    /** The layer's parameters as plain arrays (conv weight [out, in, k, k]; BatchNorm's, if any). */
    public record Weights(int in, int out, int kernel, int stride, float[] weight, float[] bias, float[] bnGamma,
            float[] bnBeta, float[] bnMean, float[] bnVar, double bnEps) {}

    public Weights weights() {
        return new Weights(in, out, kernel, stride, floats(conv.weight()), bn == null ? floats(conv.bias()) : null,
                bn == null ? null : floats(bn.weight()), bn == null ? null : floats(bn.bias()),
                bn == null ? null : floats(bn.running_mean()), bn == null ? null : floats(bn.running_var()),
                bn == null ? 0 : bn.options().eps().get());
    }

    /** A tensor's values, copied out in row-major order. */
    public static float[] floats(Tensor t) {
        Tensor c = t.detach().contiguous();
        float[] out = new float[(int) c.numel()];
        c.data_ptr_float().get(out);
        return out;
    }
}
