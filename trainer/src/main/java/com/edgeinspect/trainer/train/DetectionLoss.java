package com.edgeinspect.trainer.train;

import com.edgeinspect.trainer.model.Detector;
import com.edgeinspect.trainer.model.TorchOps;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * The hard-label loss of the detector (Zhou et al., "Objects as Points", 2019):
 *
 * <pre>
 * L_hm   = -1/N * sum( y=1: (1-p)^2 log p ;  y&lt;1: (1-y)^4 p^2 log(1-p) ) * weight
 * L_size = 1/N * sum over centres |s - s*|      (log width and height in cells)
 * L_off  = 1/N * sum over centres |o - o*|
 * L      = L_hm + L_size + L_off
 * </pre>
 *
 * with N the number of objects (at least 1) and weight zero inside crowd regions. CenterNet weighs its size term 0.1,
 * but on sizes in cells; on log sizes an error costs about a tenth as much for our typical 10-cell (40 px) defect, so
 * the log-size term weighs 1. Measured (BENCHMARKS.md, "Box size weight"): 0.1 left boxes loose (mAP@0.5:0.95 well
 * below what AP@0.1 promised).
 */
public final class DetectionLoss {

    private static final double EPS = 1e-4;

    private DetectionLoss() {}

    /** The loss terms of one batch. */
    public record Terms(Tensor heatmap, Tensor size, Tensor offset) {
        public Tensor total() {
            return heatmap.add(size).add(offset);
        }
    }

    /** Training on hard labels alone: the objective of a teacher, or of a student without distillation. */
    public static FitLoop.Objective objective(Detector net) {
        return (b, step) -> {
            Detector.Heads<Tensor> h = net.describe(new TorchOps(), b.image());
            Terms t = of(h.heatmapLogits(), h.size(), h.offset(), b);
            return new FitLoop.Losses(t.total(), java.util.Map.of("hm", t.heatmap(), "size", t.size(), "off",
                    t.offset()));
        };
    }

    /** The terms of a batch; the heads may be bfloat16 ({@link Bf16}): the loss is computed in float. */
    public static Terms of(Tensor heatmapLogits, Tensor size, Tensor offset, Batch b) {
        Tensor p = torch.sigmoid(Bf16.f32(heatmapLogits)).clamp(
                new org.bytedeco.pytorch.ScalarOptional(new Scalar(EPS)),
                new org.bytedeco.pytorch.ScalarOptional(new Scalar(1 - EPS)));
        Tensor y = b.heatmap();
        Tensor pos = y.eq(new Scalar(1.0)).to(torch.ScalarType.Float);
        Tensor neg = pos.neg().add(new Scalar(1.0));
        Tensor one = torch.ones_like(p);
        Tensor posLoss = torch.log(p).mul(one.sub(p).pow(new Scalar(2))).mul(pos);
        Tensor negLoss = torch.log(one.sub(p)).mul(p.pow(new Scalar(2))).mul(one.sub(y).pow(new Scalar(4))).mul(neg);
        Tensor n = b.centreMask().sum().clamp_min(new Scalar(1.0));
        Tensor hm = posLoss.add(negLoss).mul(b.weight()).sum().neg().div(n);
        Tensor sz = Bf16.f32(size).sub(b.size()).abs().mul(b.centreMask()).sum().div(n);
        Tensor off = Bf16.f32(offset).sub(b.offset()).abs().mul(b.centreMask()).sum().div(n);
        return new Terms(hm, sz, off);
    }
}
