package com.edgeinspect.trainer.model;

import com.edgeinspect.core.detect.DetectorOutputs;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;

/**
 * The detector family, CenterNet-style (Zhou, Wang and Krähenbühl, "Objects as Points", 2019): per-class centre
 * heatmaps, box sizes and centre offsets on a stride-4 grid; see {@link DetectorSpec} for the shape and
 * {@link DetectorOutputs} for the contract of its outputs. Feature taps for distillation: {@code stage2} (stride
 * 8), {@code stage3} (stride 16) and {@code neck} (stride 4).
 */
public final class Detector extends Module {

    /** Heatmap bias at start: sigmoid(-2.19) = 0.1, so the focal loss does not explode on the first steps. */
    private static final double HEATMAP_PRIOR = -2.19;

    private final DetectorSpec spec;
    private final Conv stem;
    private final List<List<Conv>> stages = new ArrayList<>();
    private final Conv[] lateral = new Conv[3];
    private final Conv smooth;
    private final Conv[][] heads = new Conv[3][2];
    private final Map<String, Conv> layers = new LinkedHashMap<>();

    /** Adds in one pass: the neck merges each upsampled deeper map into the lateral of the stage above it. */
    public static final int ADDS = 2;

    /** The three head outputs, before the heatmap's sigmoid. */
    public record Heads<T>(T heatmapLogits, T size, T offset) {}

    public Detector(DetectorSpec spec) {
        this(spec, true);
    }

    /**
     * @param batchNorm false for the BatchNorm-folded form that quantisation-aware training fine-tunes: every
     *     convolution then carries a bias instead
     */
    public Detector(DetectorSpec spec, boolean batchNorm) {
        this.spec = spec;
        int[] w = spec.widths();
        stem = layer("stem", new Conv(3, w[0], 3, 2, batchNorm));
        for (int s = 1; s <= 3; s++) {
            List<Conv> stage = new ArrayList<>();
            stage.add(layer("s" + s + "_down", new Conv(w[s - 1], w[s], 3, 2, batchNorm)));
            for (int d = 0; d < spec.depth(); d++) {
                stage.add(layer("s" + s + "_conv" + d, new Conv(w[s], w[s], 3, 1, batchNorm)));
            }
            stages.add(stage);
            lateral[s - 1] = layer("lateral" + s, new Conv(w[s], spec.neckWidth(), 1, 1, false));
        }
        smooth = layer("smooth", new Conv(spec.neckWidth(), spec.neckWidth(), 3, 1, batchNorm));
        int[] outs = {spec.classes(), 2, 2};
        String[] names = {DetectorOutputs.HEATMAP, DetectorOutputs.SIZE, DetectorOutputs.OFFSET};
        for (int h = 0; h < 3; h++) {
            heads[h][0] = layer(names[h] + "_conv", new Conv(spec.neckWidth(), spec.neckWidth(), 3, 1, false));
            heads[h][1] = layer(names[h] + "_out", new Conv(spec.neckWidth(), outs[h], 1, 1, false));
        }
        try (NoGradGuard g = new NoGradGuard()) {
            heads[0][1].conv.bias().fill_(new Scalar(HEATMAP_PRIOR));
        }
    }

    private Conv layer(String name, Conv c) {
        layers.put(name, c);
        return register_module(name, c);
    }

    public DetectorSpec spec() {
        return spec;
    }

    /** Every convolution by name, in the order they were built (the checkpoint's module names). */
    public Map<String, Conv> layers() {
        return java.util.Collections.unmodifiableMap(layers);
    }

    /** The convolutions that give the detector's outputs: the last of each head (heatmap logits, size, offset). */
    public List<Conv> outputLayers() {
        return List.of(heads[0][1], heads[1][1], heads[2][1]);
    }

    /** The network, stated once; see {@link Ops}. */
    public <T> Heads<T> describe(Ops<T> ops, T image) {
        return heads(ops, backbone(ops, image));
    }

    /** The backbone: the outputs of its three stages (strides 4, 8 and 16). */
    public <T> List<T> backbone(Ops<T> ops, T image) {
        return deeper(ops, early(ops, image));
    }

    /**
     * The stem and the first stage: the stride-4 map an early-exit model's first graph computes on every frame and
     * hands to its second.
     */
    public <T> T early(Ops<T> ops, T image) {
        T x = ops.relu(ops.conv(image, stem));
        for (Conv c : stages.get(0)) {
            x = ops.relu(ops.conv(x, c));
        }
        ops.tap("stage1", x);
        return x;
    }

    /** The second and third stages on the first stage's output; all three stage outputs, shallowest first. */
    public <T> List<T> deeper(Ops<T> ops, T stage1) {
        List<T> features = new ArrayList<>();
        features.add(stage1);
        T x = stage1;
        for (int s = 1; s < 3; s++) {
            for (Conv c : stages.get(s)) {
                x = ops.relu(ops.conv(x, c));
            }
            features.add(x);
            ops.tap("stage" + (s + 1), x);
        }
        return features;
    }

    /** Neck and heads on the backbone's three stage outputs. */
    public <T> Heads<T> heads(Ops<T> ops, List<T> features) {
        T p = ops.conv(features.get(2), lateral[2]);
        p = ops.add(ops.upsample2(p), ops.conv(features.get(1), lateral[1]));
        p = ops.add(ops.upsample2(p), ops.conv(features.get(0), lateral[0]));
        T neck = ops.relu(ops.conv(p, smooth));
        ops.tap("neck", neck);
        List<T> out = new ArrayList<>();
        for (Conv[] head : heads) {
            out.add(ops.conv(ops.relu(ops.conv(neck, head[0])), head[1]));
        }
        return new Heads<>(out.get(0), out.get(1), out.get(2));
    }
}
