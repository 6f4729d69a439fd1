package com.edgeinspect.trainer.search;

import com.edgeinspect.trainer.dist.World;
import com.edgeinspect.trainer.model.DetectorSpec;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * Candidate evaluations spread over the ranks of a {@link World}: rank 0, the learner, runs PPO and hands each
 * rollout's unknown shapes out (shape i to rank i mod size, itself included); every rank measures its share and the
 * results come back to all by all-reduce. Other ranks only serve until rank 0 says it is done. Three collectives
 * per rollout, a few hundred bytes each, against seconds to minutes of measuring per candidate.
 */
public final class Workers {

    /** Measures one candidate. */
    @FunctionalInterface
    public interface Measure {
        CompressionEnv.Measured measure(CompressionEnv.Choice choice) throws Exception;
    }

    private Workers() {}

    /** The learner's evaluator: this rank's share measured here, the rest by the other ranks. */
    public static CompressionEnv.Evaluator evaluator(World world, Measure measure) {
        return choices -> exchange(world, measure, choices, choices.get(0).spec().classes(),
                choices.get(0).spec().depth());
    }

    /** A worker rank: serves batches until the learner is done ({@link #finish}). */
    public static void serve(World world, Measure measure, int classes, int depth) throws Exception {
        while (exchange(world, measure, null, classes, depth) != null) {
            // next batch
        }
    }

    /** Rank 0 tells the workers the search is over. */
    public static void finish(World world) {
        if (world.size() > 1) {
            sum(world, new float[] {-1});
        }
    }

    /** One batch: its size, its candidates (widths, neck, gate), every rank's measurements; null when told to stop. */
    private static List<CompressionEnv.Measured> exchange(World world, Measure measure,
            List<CompressionEnv.Choice> choices, int classes, int depth) throws Exception {
        int n = (int) sum(world, new float[] {choices == null ? 0 : choices.size()})[0];
        if (n < 0) {
            return null;
        }
        float[] shapes = new float[n * 6];
        for (int i = 0; choices != null && i < n; i++) {
            int[] w = choices.get(i).spec().widths();
            for (int g = 0; g < 4; g++) {
                shapes[i * 6 + g] = w[g];
            }
            shapes[i * 6 + 4] = choices.get(i).spec().neckWidth();
            shapes[i * 6 + 5] = (float) choices.get(i).gate();
        }
        shapes = sum(world, shapes);
        float[] results = new float[n * 3];
        for (int i = world.rank(); i < n; i += world.size()) {
            int[] w = {(int) shapes[i * 6], (int) shapes[i * 6 + 1], (int) shapes[i * 6 + 2], (int) shapes[i * 6 + 3]};
            // The gate travels as a float: back to the grid's value (0.3, not 0.30000001).
            double gate = Math.round(shapes[i * 6 + 5] * 100) / 100.0;
            CompressionEnv.Measured m = measure.measure(new CompressionEnv.Choice(new DetectorSpec(classes, w, depth,
                    (int) shapes[i * 6 + 4]), gate));
            results[i * 3] = (float) m.map50();
            results[i * 3 + 1] = (float) m.latencyMs();
            results[i * 3 + 2] = (float) m.wholeLatencyMs();
        }
        results = sum(world, results);
        List<CompressionEnv.Measured> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(new CompressionEnv.Measured(results[i * 3], results[i * 3 + 1], results[i * 3 + 2]));
        }
        return out;
    }

    private static float[] sum(World world, float[] values) {
        if (world.size() == 1 || values.length == 0) {
            return values;
        }
        Tensor t = torch.tensor(values);
        world.allReduceSum(new TensorVector(t));
        return com.edgeinspect.trainer.model.Conv.floats(t);
    }
}
