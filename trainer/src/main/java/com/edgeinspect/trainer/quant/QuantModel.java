package com.edgeinspect.trainer.quant;

import com.edgeinspect.trainer.distill.DistillModel;
import com.edgeinspect.trainer.export.FoldedConv;
import com.edgeinspect.trainer.model.Conv;
import com.edgeinspect.trainer.model.Detector;
import com.edgeinspect.trainer.model.DetectorSpec;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * A student prepared for INT8 as TensorRT runs it: BatchNorm folded into the convolutions first (so the scales
 * quantise the weights that are deployed), then every convolution's weight fake-quantised per output channel and its
 * input per tensor, both symmetric with zero point 0. The input scales come from calibration batches (mean over
 * batches of the largest magnitude) and are then frozen; they are buffers, so checkpoints carry them.
 *
 * <p>The first convolution stays float, as is common practice: three colour channels at full resolution leave
 * little arithmetic to save, and ONNX Runtime's int8 kernels run it twice as slowly as its float ones.
 *
 * <p>The 1x1 adapters of distillation come along unquantised: they serve the feature loss only and are not exported.
 */
public final class QuantModel extends Module {

    /** Signed 8-bit range of activations; weights use the narrow range [-127, 127]. */
    static final int QMIN = -128;
    static final int QMAX = 127;

    private final DistillModel model;
    private final List<Conv> layers;
    private final Map<Conv, Integer> index = new IdentityHashMap<>();
    private final Set<Conv> floatLayers = Collections.newSetFromMap(new IdentityHashMap<>());
    /** The layer whose observations count the calibration batches: the first int8 one, which every pass runs. */
    private final int counted;
    private final Tensor maxSum;
    private final Tensor batches;
    private boolean calibrating;

    public QuantModel(DetectorSpec student, DetectorSpec teacher) {
        this.model = register_module("model", new DistillModel(new Detector(student, false), teacher));
        this.layers = new ArrayList<>(model.student().layers().values());
        for (int i = 0; i < layers.size(); i++) {
            index.put(layers.get(i), i);
        }
        model.student().layers().forEach((name, layer) -> {
            if (name.equals("stem")) {
                floatLayers.add(layer);
            }
        });
        this.counted = layers.stream().filter(this::quantised).findFirst().map(index::get).orElseThrow();
        // Keep our own handles: register_buffer returns a reference into the module's table, which moves as it grows.
        this.maxSum = torch.zeros(layers.size());
        this.batches = torch.zeros(1);
        register_buffer("act_max_sum", maxSum);
        register_buffer("act_batches", batches);
    }

    /** The BatchNorm-folded copy of a trained student (and its adapters, when it was distilled). */
    public static QuantModel fold(Detector trained, DistillModel adaptersFrom, DetectorSpec teacher) {
        QuantModel q = new QuantModel(trained.spec(), teacher);
        Map<String, Conv> to = q.student().layers();
        trained.layers().forEach((name, layer) -> {
            FoldedConv f = FoldedConv.of(layer);
            to.get(name).set(f.weight(), f.bias());
        });
        if (adaptersFrom != null) {
            for (int i = 0; i < DistillModel.TAPS.size(); i++) {
                Conv.Weights w = adaptersFrom.adapter(i).weights();
                q.model.adapter(i).set(w.weight(), w.bias());
            }
        }
        return q;
    }

    public DistillModel distillModel() {
        return model;
    }

    public Detector student() {
        return model.student();
    }

    /** While on, forward passes record input magnitudes and do not quantise activations. */
    public void calibrating(boolean on) {
        calibrating = on;
    }

    boolean isCalibrating() {
        return calibrating;
    }

    /** Whether a layer runs in int8 (see the class comment for the ones that stay float). */
    public boolean quantised(Conv layer) {
        return !floatLayers.contains(layer);
    }

    int index(Conv layer) {
        Integer i = index.get(layer);
        if (i == null) {
            throw new IllegalArgumentException("layer is not part of this quantised student");
        }
        return i;
    }

    void observe(int layer, Tensor input) {
        try (NoGradGuard g = new NoGradGuard()) {
            maxSum.narrow(0, layer, 1).add_(input.detach().abs().amax());
            if (layer == counted) {
                batches.add_(new Scalar(1.0));
            }
        }
    }

    /** Scale of a layer's input: calibrated largest magnitude over 127, so it maps to the int8 edge. */
    public float inputScale(Conv layer) {
        return scaleOf(maxSum.narrow(0, index(layer), 1).item_float() / Math.max(1f, batches.item_float()));
    }

    /** The input scale of every int8 layer, for export. */
    public Map<Conv, Float> inputScales() {
        Map<Conv, Float> m = new IdentityHashMap<>();
        layers.stream().filter(this::quantised).forEach(c -> m.put(c, inputScale(c)));
        return m;
    }

    static float scaleOf(float maxAbs) {
        return Math.max(maxAbs / QMAX, 1e-8f);
    }
}
