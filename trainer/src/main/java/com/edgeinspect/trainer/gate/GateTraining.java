package com.edgeinspect.trainer.gate;

import com.edgeinspect.trainer.model.Detector;
import com.edgeinspect.trainer.model.Gate;
import com.edgeinspect.trainer.model.TorchOps;
import com.edgeinspect.trainer.train.Batch;
import com.edgeinspect.trainer.train.Bf16;
import com.edgeinspect.trainer.train.FitLoop;
import java.util.Map;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Trains an early-exit gate on a finished student, which stays frozen: the gate learns from the student's own
 * features which cells show a defect, and the frame's score is its highest cell. Supervising every cell,
 * rather than only the crop's maximum, is what keeps clean cells low everywhere: a whole frame has some 30,000 cells
 * and any one of them scoring high opens the gate. A cell is defective where the detector's target heatmap is at
 * least {@link #CORE} (the middle of a defect), ignored where any of it is a crowd region or a defect's flank, clean
 * elsewhere. Focal loss (Lin et al., 2017) puts the weight on the cells the gate gets wrong, normalised by the
 * defective cells. Training the gate after the student, not with it, leaves the detector's outputs exactly as
 * distilled and evaluated.
 */
public final class GateTraining implements FitLoop.Objective {

    /** Target heatmap value from which a cell counts as a defect's middle. */
    static final double CORE = 0.3;
    private static final double GAMMA = 2;
    /** Cells of the detector's stride-4 grid per gate cell, each way. */
    private static final long POOL = Gate.STRIDE / 4;

    private final Detector student;
    private final Gate gate;

    public GateTraining(Detector student, Gate gate) {
        this.student = student;
        this.gate = gate;
        student.eval();
    }

    @Override
    public FitLoop.Losses compute(Batch batch, int step) {
        Tensor x = Bf16.f32(gate.cells(new TorchOps(), frozenFeatures(student, batch.image())));
        Tensor heat = pool(batch.heatmap().amax(new long[] {1}, true));
        Tensor y = heat.ge(new Scalar(CORE)).to(torch.ScalarType.Float);
        // Taught: defect middles, and cells wholly clear of defects and of crowd regions.
        Tensor crowd = pool(batch.weight().neg().add(new Scalar(1)));
        Tensor clear = heat.le(new Scalar(0.01)).logical_and(crowd.le(new Scalar(0))).to(torch.ScalarType.Float);
        Tensor taught = y.add(clear).clamp_max(new Scalar(1));
        Tensor p = torch.sigmoid(x);
        // Binary cross-entropy on logits, in the form that cannot overflow: max(x, 0) - x y + log(1 + exp(-|x|)).
        Tensor bce = torch.relu(x).sub(x.mul(y)).add(torch.log1p(torch.exp(x.abs().neg())));
        Tensor wrongness = y.mul(p.neg().add(new Scalar(1))).add(y.neg().add(new Scalar(1)).mul(p));
        Tensor loss = bce.mul(wrongness.pow(new Scalar(GAMMA))).mul(taught).sum()
                .div(y.sum().clamp_min(new Scalar(1)));
        long[] cells = {1, 2, 3};
        Tensor crops = p.amax(cells, false).ge(new Scalar(0.5)).ne(y.amax(cells, false).gt(new Scalar(0)))
                .to(torch.ScalarType.Float).mean();
        return new FitLoop.Losses(loss, Map.of("focal", loss, "crop_error", crops));
    }

    private static Tensor pool(Tensor stride4) {
        return torch.max_pool2d(stride4, new long[] {POOL, POOL}, new long[] {POOL, POOL}, new long[] {0, 0},
                new long[] {1, 1}, false);
    }

    /** The gate's probability for every cell {@code [N, 1, H/8, W/8]}. */
    static Tensor cells(Detector student, Gate gate, Tensor image) {
        return torch.sigmoid(gate.cells(new TorchOps(), frozenFeatures(student, image)));
    }

    /** Greater than 0 in the gate cells holding a taught defect's centre {@code [N, 1, H/8, W/8]}. */
    static Tensor centres(Batch batch) {
        return pool(batch.centreMask());
    }

    /** The student's first stage, computed without gradients: the student is not trained here. */
    private static Tensor frozenFeatures(Detector student, Tensor image) {
        try (NoGradGuard g = new NoGradGuard()) {
            return student.early(new TorchOps(), image);
        }
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
}
