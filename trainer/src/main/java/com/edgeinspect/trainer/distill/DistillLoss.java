package com.edgeinspect.trainer.distill;

import java.util.List;
import com.edgeinspect.trainer.train.Bf16;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * The soft terms of distilling a CenterNet-style teacher into a student (the hard term is
 * {@link com.edgeinspect.trainer.train.DetectionLoss}):
 *
 * <ul>
 *   <li><b>KL</b> (Hinton et al., 2015), per grid location over the classes plus background: the heatmap logits
 *       {@code z_1..z_C} are joined by a background logit fixed at 0, so {@code p_c = e^{z_c} / (1 + sum_j e^{z_j})}
 *       is the softmax over "one of C defects or nothing". {@code KL(softmax(z_t/T) || softmax(z_s/T)) * T^2},
 *       averaged with weights {@code 1 + 9 max_c p_t}: the teacher's confident regions count up to ten times more
 *       than the belt.
 *   <li><b>Feature</b> (FitNets, Romero et al., 2015): each student tap through a 1x1 adapter against the teacher's
 *       tap at the same stride, squared error weighted by the same object-region weights (resized to the tap).
 *   <li><b>Attention</b> (Zagoruyko and Komodakis, 2017): {@code A = mean_c F^2} flattened and L2-normalised per
 *       image; the mean squared difference of student and teacher maps, summed over taps.
 * </ul>
 *
 * Each term takes its tensors to float first: the forward passes may run in bfloat16 ({@link Bf16}).
 */
public final class DistillLoss {

    private DistillLoss() {}

    /** Object-region weights {@code 1 + 9 max_c sigmoid(teacher logits)}, shape [B, 1, h, w]. */
    public static Tensor regionWeights(Tensor teacherLogits) {
        Tensor p = torch.sigmoid(Bf16.f32(teacherLogits.detach()));
        Tensor max = torch.amax(p, new long[] {1}, true);
        return max.mul(new Scalar(9.0)).add(new Scalar(1.0));
    }

    public static Tensor kl(Tensor studentLogits, Tensor teacherLogits, double temperature, Tensor weights) {
        Tensor s = withBackground(Bf16.f32(studentLogits)).div(new Scalar(temperature));
        Tensor t = withBackground(Bf16.f32(teacherLogits.detach())).div(new Scalar(temperature));
        Tensor logPs = torch.log_softmax(s, 1);
        Tensor logPt = torch.log_softmax(t, 1);
        Tensor perLocation = torch.exp(logPt).mul(logPt.sub(logPs)).sum(new long[] {1}, true, new org.bytedeco.pytorch.ScalarTypeOptional());
        return perLocation.mul(weights).sum().div(weights.sum()).mul(new Scalar(temperature * temperature));
    }

    private static Tensor withBackground(Tensor logits) {
        long[] s = logits.shape();
        return torch.cat(new org.bytedeco.pytorch.TensorVector(logits, torch.zeros(s[0], 1, s[2], s[3])), 1);
    }

    /** Feature term over taps; each pair is (adapted student tap, teacher tap) of equal shape. */
    public static Tensor feature(List<Tensor[]> pairs, Tensor weights) {
        Tensor sum = torch.zeros(1);
        for (Tensor[] p : pairs) {
            Tensor w = resize(weights, p[1]);
            Tensor sq = Bf16.f32(p[0]).sub(Bf16.f32(p[1].detach())).pow(new Scalar(2))
                    .mean(new long[] {1}, true, new org.bytedeco.pytorch.ScalarTypeOptional());
            sum = sum.add(sq.mul(w).sum().div(w.sum()));
        }
        return sum.div(new Scalar(pairs.size())).squeeze();
    }

    /** Attention-transfer term over taps; each pair is (student tap, teacher tap), channels may differ. */
    public static Tensor attention(List<Tensor[]> pairs) {
        Tensor sum = torch.zeros(1);
        for (Tensor[] p : pairs) {
            Tensor d = map(p[0]).sub(map(p[1].detach()));
            sum = sum.add(d.pow(new Scalar(2)).mean());
        }
        return sum.div(new Scalar(pairs.size())).squeeze();
    }

    /** The normalised spatial attention map of a feature tensor, [B, H*W]. */
    static Tensor map(Tensor f) {
        Tensor a = Bf16.f32(f).pow(new Scalar(2))
                .mean(new long[] {1}, false, new org.bytedeco.pytorch.ScalarTypeOptional()).flatten(1, -1);
        Tensor norm = a.norm(new org.bytedeco.pytorch.ScalarOptional(new Scalar(2.0)), new long[] {1}, true)
                .clamp_min(new Scalar(1e-8));
        return a.div(norm);
    }

    /** Weights resized (nearest, by pooling or repeating) to a tap's spatial size. */
    private static Tensor resize(Tensor weights, Tensor like) {
        long h = like.shape()[2];
        long w = like.shape()[3];
        long wh = weights.shape()[2];
        if (wh == h) {
            return weights;
        }
        if (wh > h) {
            long k = wh / h;
            return torch.max_pool2d(weights, k, k);
        }
        return torch.upsample_nearest2d(weights, h, w);
    }
}
