package com.edgeinspect.trainer.distill;

import com.edgeinspect.trainer.model.Detector;
import com.edgeinspect.trainer.model.DetectorSpec;
import com.edgeinspect.trainer.model.Pruning;
import com.edgeinspect.trainer.search.CompressionEnv;
import com.edgeinspect.trainer.train.Bf16;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * The final distillation of a searched shape, carrying the agent's decisions into training. The student starts as
 * the teacher pruned to the shape (the channels the agent kept, by importance: the network each candidate was scored
 * as), and two things follow from the decisions:
 *
 * <ul>
 *   <li>Per-group learning rates: a group kept at the largest ratio the agent may choose (80%) keeps most of the
 *       teacher's tuned weights and learns at the base rate; a group cut harder lost more of what its weights were
 *       tuned with and learns faster, by {@code 0.8 / ratio} (2.67x at 30%). Layers outside the five groups (the
 *       feature adapters) learn at the base rate.
 *   <li>The selection term, the RL term of the joint objective: each kept channel of the student's stage and neck
 *       outputs stays close to the teacher channel it was taken from, {@code sum (s - t[kept])^2 / sum t[kept]^2} per
 *       tap, averaged over the four taps. Unlike the feature term it needs no adapter: the channels correspond one to
 *       one because the agent chose them. Its weight beta follows {@link Beta}.
 * </ul>
 */
public final class PrunedStart {

    /** The selection term's taps: every tapped channel group of the family. */
    static final List<String> TAPS = List.of("stage1", "stage2", "stage3", "neck");

    /**
     * The selection term's weight over training: {@code start}, raised by {@code rise} every {@code every} steps,
     * up to {@code max}. Default 0.1, +0.05 per 1000 steps, 0.3: as the pruned student recovers its accuracy, the
     * agent's selection is held more firmly.
     */
    public record Beta(double start, double rise, int every, double max) {
        public static final Beta DEFAULT = new Beta(0.1, 0.05, 1000, 0.3);

        public Beta {
            if (!(start >= 0 && rise >= 0 && every > 0 && max >= start)) {
                throw new IllegalArgumentException("beta schedule: need start >= 0, rise >= 0, every > 0, max >= start; "
                        + "got " + start + "," + rise + "," + every + "," + max);
            }
        }

        public double at(int step) {
            return Math.min(max, start + rise * (step / every));
        }
    }

    private final Detector student;
    private final Tensor[] kept = new Tensor[TAPS.size()];
    private final double[] multiplier;
    private final Beta beta;

    public PrunedStart(Detector teacher, DetectorSpec shape, Beta beta) {
        List<long[]> selection = Pruning.selection(teacher, shape);
        this.student = Pruning.prune(teacher, shape, selection);
        this.beta = beta;
        DetectorSpec base = teacher.spec();
        multiplier = new double[selection.size()];
        for (int g = 0; g < selection.size(); g++) {
            int width = g < 4 ? base.widths()[g] : base.neckWidth();
            double ratio = (double) selection.get(g).length / width;
            multiplier[g] = Math.max(1, CompressionEnv.RATIOS[0] / ratio);
        }
        for (int i = 0; i < TAPS.size(); i++) {
            kept[i] = torch.tensor(selection.get(i + 1)); // taps stage1..3, neck = groups 1..4
        }
    }

    /** The student's starting weights: the teacher's kept channels. */
    public Detector student() {
        return student;
    }

    /** The learning-rate multiplier of a layer's group, by its name in {@link Detector#layers()}. */
    public double multiplier(String layer) {
        return student.layers().containsKey(layer) ? multiplier[Pruning.group(layer)] : 1;
    }

    /**
     * The multiplier of a parameter by its qualified name in the trained module: the student's layers are found
     * under {@code student.} ({@link DistillModel}) or at the top (the bare student).
     */
    public double parameterMultiplier(String parameter) {
        String name = parameter.startsWith("student.") ? parameter.substring("student.".length()) : parameter;
        int dot = name.indexOf('.');
        return multiplier(dot < 0 ? name : name.substring(0, dot));
    }

    /** The learning-rate multipliers and the beta schedule, for the run's log. */
    public String describe() {
        String[] names = {"stem", "stage1", "stage2", "stage3", "neck"};
        StringBuilder sb = new StringBuilder("learning-rate multipliers");
        for (int g = 0; g < names.length; g++) {
            sb.append(String.format(java.util.Locale.ROOT, " %s x%.2f", names[g], multiplier[g]));
        }
        return sb.append(String.format(java.util.Locale.ROOT, "; selection term beta %.2f, +%.2f every %d steps, up "
                + "to %.2f", beta.start(), beta.rise(), beta.every(), beta.max())).toString();
    }

    public double beta(int step) {
        return beta.at(step);
    }

    /** The selection term on a step's taps (student's with gradients, teacher's without). */
    public Tensor loss(Map<String, Tensor> studentTaps, Map<String, Tensor> teacherTaps) {
        Tensor sum = null;
        for (int i = 0; i < TAPS.size(); i++) {
            Tensor t = Bf16.f32(teacherTaps.get(TAPS.get(i)).index_select(1, kept[i]));
            Tensor d = Bf16.f32(studentTaps.get(TAPS.get(i))).sub(t).pow(new Scalar(2)).sum()
                    .div(t.pow(new Scalar(2)).sum().clamp_min(new Scalar(1e-12)));
            sum = sum == null ? d : sum.add(d);
        }
        return sum.div(new Scalar(TAPS.size()));
    }
}
