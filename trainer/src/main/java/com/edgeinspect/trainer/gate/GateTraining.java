package com.edgeinspect.trainer.gate;

import com.edgeinspect.trainer.model.Detector;
import com.edgeinspect.trainer.model.Gate;
import com.edgeinspect.trainer.model.TorchOps;
import com.edgeinspect.trainer.train.Batch;
import com.edgeinspect.trainer.train.FitLoop;
import java.util.Map;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Trains an early-exit gate on a finished student, which stays frozen: the gate learns from the student's own
 * stride-16 features whether a crop holds a defect (any object centre), with binary cross-entropy. Crops whose only
 * defects are too cut or too faint to be taught (crowd regions) are left out rather than called clean, and the two
 * classes weigh the same in each batch: training data is rich in defects, a line's frames are mostly clean. Training
 * the gate after the student, not with it, leaves the detector's outputs exactly as distilled and evaluated.
 */
public final class GateTraining implements FitLoop.Objective {

    private final Detector student;
    private final Gate gate;

    public GateTraining(Detector student, Gate gate) {
        this.student = student;
        this.gate = gate;
        student.eval();
    }

    @Override
    public FitLoop.Losses compute(Batch batch, int step) {
        Tensor logit = logits(student, gate, batch.image());
        Tensor label = labels(batch);
        Tensor weight = balanced(label, taught(batch, label));
        // Binary cross-entropy on logits, in the form that cannot overflow: max(x, 0) - x y + log(1 + exp(-|x|)).
        Tensor bce = torch.relu(logit).sub(logit.mul(label)).add(torch.log1p(torch.exp(logit.abs().neg())));
        Tensor total = weight.sum().clamp_min(new Scalar(1e-6));
        Tensor loss = bce.mul(weight).sum().div(total);
        Tensor accuracy = logit.gt(new Scalar(0)).to(torch.ScalarType.Float).eq(label).to(torch.ScalarType.Float)
                .mul(weight).sum().div(total);
        return new FitLoop.Losses(loss, Map.of("bce", loss, "accuracy", accuracy));
    }

    /** The gate's logit per image {@code [N]}; the student runs without gradients. */
    static Tensor logits(Detector student, Gate gate, Tensor image) {
        Tensor deepest;
        try (NoGradGuard g = new NoGradGuard()) {
            deepest = student.backbone(new TorchOps(), image).get(2);
        }
        return gate.describe(new TorchOps(), deepest).view(-1);
    }

    /** 1 for an image with any object centre in it, else 0 {@code [N]}. */
    static Tensor labels(Batch batch) {
        return batch.centreMask().amax(new long[] {1, 2, 3}, false).gt(new Scalar(0)).to(torch.ScalarType.Float);
    }

    /** 1 where the label can be taught: a defect, or no crowd region (a defect the loss ignores) at all {@code [N]}. */
    static Tensor taught(Batch batch, Tensor label) {
        Tensor clean = batch.weight().amin(new long[] {1, 2, 3}, false).ge(new Scalar(1)).to(torch.ScalarType.Float);
        return label.add(clean).clamp_max(new Scalar(1));
    }

    /** Weights that give the taught defective and the taught clean images half the batch's weight each. */
    private static Tensor balanced(Tensor label, Tensor taught) {
        Tensor pos = label.mul(taught);
        Tensor neg = label.neg().add(new Scalar(1)).mul(taught);
        Tensor n = taught.sum();
        Tensor wp = n.div(pos.sum().mul(new Scalar(2)).clamp_min(new Scalar(1)));
        Tensor wn = n.div(neg.sum().mul(new Scalar(2)).clamp_min(new Scalar(1)));
        return pos.mul(wp).add(neg.mul(wn));
    }
}
