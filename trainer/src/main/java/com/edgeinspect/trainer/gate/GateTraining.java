package com.edgeinspect.trainer.gate;

import com.edgeinspect.trainer.model.Detector;
import com.edgeinspect.trainer.model.Gate;
import com.edgeinspect.trainer.model.TorchOps;
import com.edgeinspect.trainer.train.Batch;
import com.edgeinspect.trainer.train.FitLoop;
import java.util.Map;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Trains an early-exit gate on a finished student, which stays frozen: the gate learns from the student's own
 * stride-16 features whether a crop holds a defect (any object centre), with binary cross-entropy. Training the gate
 * after the student, not with it, leaves the detector's outputs exactly as distilled and evaluated.
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
        // Binary cross-entropy on logits, in the form that cannot overflow: max(x, 0) - x y + log(1 + exp(-|x|)).
        Tensor loss = torch.relu(logit).sub(logit.mul(label)).add(torch.log1p(torch.exp(logit.abs().neg()))).mean();
        Tensor accuracy = logit.gt(new org.bytedeco.pytorch.Scalar(0)).to(torch.ScalarType.Float).eq(label)
                .to(torch.ScalarType.Float).mean();
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
        return batch.centreMask().amax(new long[] {1, 2, 3}, false).gt(new org.bytedeco.pytorch.Scalar(0))
                .to(torch.ScalarType.Float);
    }
}
