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
 * quantise the weights that are deployed), then every convolution's weight fake-quantised per output channel and
 * activations per tensor, both symmetric with zero point 0. Activations are quantised where an int8 graph holds them
 * (see {@link QuantScales}): every int8 convolution's input, both inputs of every add of the neck (TensorRT's rule for
 * element-wise adds; it also lets ONNX Runtime's CPU form stay int8 from the backbone to the heads) and the outputs of
 * the heads. Their scales come from calibration batches (mean over batches of the largest magnitude) and are then
 * frozen; they are buffers, so checkpoints carry them.
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
    private final Set<Conv> outputLayers = Collections.newSetFromMap(new IdentityHashMap<>());
    /** The layer whose observations count the calibration batches: the first int8 one, which every pass runs. */
    private final int counted;
    /**
     * The heatmap's logits: calibrated on their largest positive value, not magnitude. Background cells sit far below
     * zero (around -50 here), and a range that reached them put the scores near the thresholds 0.1 apart (0.397, 0.5,
     * 0.603); below minus the peaks' range they saturate, which moves scores that are zero already. The range is at
     * least {@link #HEATMAP_LOGIT_FLOOR}, so a student whose calibration crops raise no peak still resolves its scores.
     */
    private final int heatmapLogits;
    /** The logit of 0.9997: with a range this wide, scores resolve in steps of at most 0.016. */
    static final float HEATMAP_LOGIT_FLOOR = 8;
    /** One per quantisation point: the layers' inputs, the layers' outputs, then the two inputs of each add. */
    private final long points;
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
        outputLayers.addAll(model.student().outputLayers());
        this.heatmapLogits = outputPoint(model.student().outputLayers().get(0));
        this.counted = layers.stream().filter(this::quantised).findFirst().map(index::get).orElseThrow();
        // Keep our own handles: register_buffer returns a reference into the module's table, which moves as it grows.
        this.points = 2L * layers.size() + 2L * Detector.ADDS;
        this.maxSum = torch.zeros(points);
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

    /** False for a checkpoint of a design with fewer quantisation points, whose scales do not fit this one. */
    public boolean hasEveryPoint() {
        return maxSum.size(0) == points;
    }

    /** Whether a layer's output is quantised too: the heads' outputs, which no later convolution quantises. */
    public boolean quantisedOutput(Conv layer) {
        return outputLayers.contains(layer);
    }

    /** The point of a layer's input. */
    int inputPoint(Conv layer) {
        Integer i = index.get(layer);
        if (i == null) {
            throw new IllegalArgumentException("layer is not part of this quantised student");
        }
        return i;
    }

    int outputPoint(Conv layer) {
        return layers.size() + inputPoint(layer);
    }

    /** The point of input {@code side} (0 or 1) of the {@code add}-th add of a pass. */
    int addPoint(int add, int side) {
        if (add >= Detector.ADDS) {
            throw new IllegalStateException("more adds in one pass than the detector has (" + Detector.ADDS + ")");
        }
        return 2 * layers.size() + 2 * add + side;
    }

    void observe(int point, Tensor x) {
        try (NoGradGuard g = new NoGradGuard()) {
            Tensor v = x.detach();
            maxSum.narrow(0, point, 1).add_(point == heatmapLogits ? v.amax().clamp_min(new Scalar(0)) : v.abs().amax());
            if (point == counted) {
                batches.add_(new Scalar(1.0));
            }
        }
    }

    /** Scale of a point: calibrated largest magnitude (see heatmapLogits) over 127, so it maps to the int8 edge. */
    float scale(int point) {
        float max = maxSum.narrow(0, point, 1).item_float() / Math.max(1f, batches.item_float());
        return scaleOf(point == heatmapLogits ? Math.max(max, HEATMAP_LOGIT_FLOOR) : max);
    }

    /** Every scale, for export. */
    public QuantScales scales() {
        Map<Conv, Float> inputs = new IdentityHashMap<>();
        Map<Conv, Float> outputs = new IdentityHashMap<>();
        for (Conv c : layers) {
            if (quantised(c)) {
                inputs.put(c, scale(inputPoint(c)));
            }
            if (quantisedOutput(c)) {
                outputs.put(c, scale(outputPoint(c)));
            }
        }
        float[] adds = new float[2 * Detector.ADDS];
        for (int i = 0; i < adds.length; i++) {
            adds[i] = scale(addPoint(i / 2, i % 2));
        }
        return new QuantScales(inputs, outputs, adds);
    }

    static float scaleOf(float maxAbs) {
        return Math.max(maxAbs / QMAX, 1e-8f);
    }
}
