package com.edgeinspect.trainer.distill;

import com.edgeinspect.trainer.model.Detector;
import com.edgeinspect.trainer.model.TorchOps;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;

/**
 * The frozen teacher's forward pass for distillation: its heads and feature taps on a batch. The teacher is put in
 * inference mode (BatchNorm uses its running statistics) and its parameters need no gradients.
 *
 * <p>{@link #remembering} keeps the outputs of each step's batches and reuses them when the same batch comes again:
 * the structure search distils every candidate on the same seeded batches, and for a small candidate the teacher's
 * forward is most of a distillation step. A batch is recognised by its step, its shape and two checksums of its
 * pixels, so a batch is never given another's outputs; outputs are kept up to a memory budget, then computed as they
 * come.
 */
public final class TeacherPass {

    /** The teacher's heads and feature taps on one batch. */
    public record Outputs(Detector.Heads<Tensor> heads, Map<String, Tensor> taps) {}

    private record Remembered(List<Long> shape, double sum, double sumOfSquares, Outputs outputs) {}

    private final Detector teacher;
    private final Map<Integer, List<Remembered>> memo;
    private final long budgetBytes;
    private long keptBytes;
    private int forwards;

    private TeacherPass(Detector teacher, Map<Integer, List<Remembered>> memo, long budgetBytes) {
        this.teacher = teacher;
        this.memo = memo;
        this.budgetBytes = budgetBytes;
        teacher.eval();
        TensorVector p = teacher.parameters();
        for (long i = 0; i < p.size(); i++) {
            p.get(i).requires_grad_(false);
        }
    }

    /** A pass computed on every batch. */
    public static TeacherPass of(Detector teacher) {
        return new TeacherPass(teacher, null, 0);
    }

    /** A pass that keeps up to {@code budgetBytes} of outputs for batches that come again. */
    public static TeacherPass remembering(Detector teacher, long budgetBytes) {
        return new TeacherPass(teacher, new HashMap<>(), budgetBytes);
    }

    /** How many batches the teacher has actually run on. */
    public int forwards() {
        return forwards;
    }

    /** The teacher's outputs on {@code image}, the batch of training step {@code step}. */
    public Outputs run(Tensor image, int step) {
        if (memo == null) {
            return forward(image);
        }
        List<Long> shape = java.util.Arrays.stream(image.shape()).boxed().toList();
        double sum = image.sum().item_double();
        double squares = image.square().sum().item_double();
        List<Remembered> seen = memo.computeIfAbsent(step, s -> new ArrayList<>());
        for (Remembered r : seen) {
            if (r.shape().equals(shape) && r.sum() == sum && r.sumOfSquares() == squares) {
                return r.outputs();
            }
        }
        Outputs out = forward(image);
        long bytes = bytes(out);
        if (keptBytes + bytes <= budgetBytes) {
            // Kept past the training step's PointerScope, which would otherwise free them as the step ends.
            retain(out);
            seen.add(new Remembered(shape, sum, squares, out));
            keptBytes += bytes;
        }
        return out;
    }

    private Outputs forward(Tensor image) {
        forwards++;
        TorchOps ops = new TorchOps();
        try (NoGradGuard g = new NoGradGuard()) {
            return new Outputs(teacher.describe(ops, image), ops.taps());
        }
    }

    private static List<Tensor> tensors(Outputs o) {
        List<Tensor> all = new ArrayList<>(List.of(o.heads().heatmapLogits(), o.heads().size(), o.heads().offset()));
        all.addAll(o.taps().values());
        return all;
    }

    private static long bytes(Outputs o) {
        return tensors(o).stream().mapToLong(t -> t.numel() * t.element_size()).sum();
    }

    private static void retain(Outputs o) {
        tensors(o).forEach(Tensor::retainReference);
    }
}
