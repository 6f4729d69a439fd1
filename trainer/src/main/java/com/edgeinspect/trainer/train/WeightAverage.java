package com.edgeinspect.trainer.train;

import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;

/**
 * An exponential moving average of a model's weights (Polyak averaging, as one-stage detectors are commonly trained):
 * a small batch makes each step's weights noisy, and their average over the last steps detects better than the last
 * step's. The floating-point parameters and buffers (BatchNorm's running statistics) are averaged; the decay ramps up
 * from 0 over the first steps, {@code decay * (1 - exp(-steps / ramp))}, so the average does not keep the random
 * initial weights.
 */
final class WeightAverage {

    /** The longest ramp: over 2000 steps (1 - 1/e of the decay reached there), as YOLOv5's. */
    private static final double MAX_RAMP = 2000;

    private final double decay;
    private final double ramp;
    private final List<Tensor> live = new ArrayList<>();
    private final List<Tensor> average = new ArrayList<>();
    /** Where the buffers start in {@link #live} and {@link #average}. */
    private final int buffers;

    /** Starts the average at the model's present weights, for a run of {@code steps}: its ramp a tenth of them. */
    WeightAverage(Module model, double decay, int steps) {
        if (!(decay > 0 && decay < 1)) {
            throw new IllegalArgumentException("weight-average decay " + decay + " is not in (0, 1)");
        }
        this.decay = decay;
        this.ramp = Math.max(1, Math.min(MAX_RAMP, steps / 10.0));
        add(model.parameters());
        buffers = live.size();
        add(model.buffers());
    }

    private void add(TensorVector tensors) {
        for (Tensor t : Tensors.of(tensors)) {
            if (t.is_floating_point()) {
                live.add(t);
                average.add(t.detach().clone());
            }
        }
    }

    /** The decay after optimiser step {@code step} (0-based). */
    double decay(int step) {
        return decay * (1 - Math.exp(-(step + 1) / ramp));
    }

    /** Folds in the weights after optimiser step {@code step}. */
    void update(int step) {
        try (NoGradGuard g = new NoGradGuard(); Scalar w = new Scalar(1 - decay(step))) {
            for (int i = 0; i < live.size(); i++) {
                average.get(i).lerp_(live.get(i).detach(), w);
            }
        }
    }

    /** Exchanges the model's weights with the average (twice restores them). */
    void swap() {
        try (NoGradGuard g = new NoGradGuard()) {
            for (int i = 0; i < live.size(); i++) {
                Tensor held = live.get(i).detach().clone();
                live.get(i).copy_(average.get(i));
                average.get(i).copy_(held);
            }
        }
    }

    /**
     * The averaged buffers, which differ between data-parallel ranks as the model's own do (the parameters are the
     * same on every rank).
     */
    List<Tensor> buffers() {
        return average.subList(buffers, average.size());
    }
}
