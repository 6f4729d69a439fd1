package com.edgeinspect.trainer.distill;

import com.edgeinspect.trainer.model.Detector;
import com.edgeinspect.trainer.model.TorchOps;
import com.edgeinspect.trainer.train.Batch;
import com.edgeinspect.trainer.train.DetectionLoss;
import com.edgeinspect.trainer.train.FitLoop;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;

/**
 * The four-term distillation objective:
 * {@code L = l1 L_hard + l2 L_KL(T) + l3 L_feature + l4 L_attention}, defaults 0.5 : 0.3 : 0.15 : 0.05, with the
 * temperature starting at {@code t0} and dropping by 1 at each of {@code stages} equal parts of the run (not below
 * 1). The teacher is frozen ({@link TeacherPass}). A searched student adds the selection term of its
 * {@link PrunedStart}: {@code L + beta(step) L_selection}. With the three soft weights 0 and no selection term the
 * teacher is not run at all, so a student on hard labels alone trains at its own speed.
 */
public final class Distillation implements FitLoop.Objective {

    /** Loss weights and the temperature schedule. */
    public record Weights(double hard, double kl, double feature, double attention, double t0, int stages) {
        public static final Weights DEFAULT = new Weights(0.5, 0.3, 0.15, 0.05, 4, 3);
    }

    private final TeacherPass teacher;
    private final DistillModel model;
    private final Weights w;
    private final int steps;
    private final Supplier<TorchOps> studentOps;
    private final PrunedStart selection;

    public Distillation(Detector teacher, DistillModel model, Weights weights, int steps) {
        this(TeacherPass.of(teacher), model, weights, steps, TorchOps::new, null);
    }

    /**
     * @param teacher the teacher's pass, which may remember its outputs for batches that come again
     * @param studentOps how the student computes: plain libtorch, or fake-quantised for INT8
     * @param selection null, or the searched start whose selection term joins the objective (weight beta)
     */
    public Distillation(TeacherPass teacher, DistillModel model, Weights weights, int steps,
            Supplier<TorchOps> studentOps, PrunedStart selection) {
        this.studentOps = studentOps;
        this.selection = selection;
        this.teacher = teacher;
        this.model = model;
        this.w = weights;
        this.steps = steps;
    }

    public double temperature(int step) {
        int stage = (int) ((long) step * w.stages() / Math.max(1, steps));
        return Math.max(1, w.t0() - stage);
    }

    /** Whether the teacher has no say in this run (hard labels alone): then its forward pass is skipped. */
    private boolean hardOnly() {
        return w.kl() == 0 && w.feature() == 0 && w.attention() == 0 && selection == null;
    }

    @Override
    public FitLoop.Losses compute(Batch b, int step) {
        TorchOps s = studentOps.get();
        Detector.Heads<Tensor> sh = model.student().describe(s, b.image());
        DetectionLoss.Terms hard = DetectionLoss.of(sh.heatmapLogits(), sh.size(), sh.offset(), b);
        if (hardOnly()) {
            return new FitLoop.Losses(hard.total().mul(new Scalar(w.hard())), Map.of("hard", hard.total()));
        }
        TeacherPass.Outputs t = teacher.run(b.image(), step);
        Detector.Heads<Tensor> th = t.heads();
        Tensor weights = DistillLoss.regionWeights(th.heatmapLogits());
        double temp = temperature(step);
        Tensor kl = DistillLoss.kl(sh.heatmapLogits(), th.heatmapLogits(), temp, weights);
        List<Tensor[]> adapted = new ArrayList<>();
        List<Tensor[]> raw = new ArrayList<>();
        for (int i = 0; i < DistillModel.TAPS.size(); i++) {
            String tap = DistillModel.TAPS.get(i);
            Tensor st = s.taps().get(tap);
            Tensor tt = t.taps().get(tap);
            adapted.add(new Tensor[] {model.adapter(i).forward(st), tt});
            raw.add(new Tensor[] {st, tt});
        }
        Tensor feat = DistillLoss.feature(adapted, weights);
        Tensor att = DistillLoss.attention(raw);
        Tensor total = hard.total().mul(new Scalar(w.hard())).add(kl.mul(new Scalar(w.kl())))
                .add(feat.mul(new Scalar(w.feature()))).add(att.mul(new Scalar(w.attention())));
        Map<String, Tensor> terms = new LinkedHashMap<>();
        terms.put("hard", hard.total());
        terms.put("kl", kl);
        terms.put("feat", feat);
        terms.put("att", att);
        if (selection != null) {
            Tensor sel = selection.loss(s.taps(), t.taps());
            double beta = selection.beta(step);
            total = total.add(sel.mul(new Scalar(beta)));
            terms.put("sel", sel);
            terms.put("beta", org.bytedeco.pytorch.global.torch.scalar_tensor(new Scalar(beta)));
        }
        terms.put("T", org.bytedeco.pytorch.global.torch.scalar_tensor(new Scalar(temp)));
        return new FitLoop.Losses(total, terms);
    }
}
