package com.edgeinspect.trainer.model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Channel pruning within the detector family: a narrower member initialised from a trained wider one by keeping,
 * in every channel group, the most important channels. The groups are the widths of {@link DetectorSpec}: the stem,
 * each backbone stage (its convolutions share one width) and the neck (laterals, smoothing and the heads' inner
 * convolutions). A channel's importance is its BatchNorm scale |gamma| where the layer has one, else the L1 norm of
 * its filter, each layer's values divided by their maximum, summed over the group's layers (Liu et al., "Learning
 * Efficient Convolutional Networks through Network Slimming", 2017, for the BatchNorm criterion). Depth and classes
 * do not change.
 */
public final class Pruning {

    /** Group of the image's three channels (never pruned) and of the outputs (classes, sizes, offsets). */
    private static final int IMAGE = -1;
    private static final int OUTPUT = -2;
    /** The neck's group; stages are 0..3. */
    private static final int NECK = 4;

    private Pruning() {}

    /** Per channel group (stem, stages 1-3, neck): the importance of each of the base's channels. */
    public static List<float[]> importance(Detector base) {
        List<float[]> out = new ArrayList<>();
        int[] w = base.spec().widths();
        for (int g = 0; g <= NECK; g++) {
            out.add(new float[g == NECK ? base.spec().neckWidth() : w[g]]);
        }
        try (NoGradGuard ng = new NoGradGuard()) {
            base.layers().forEach((name, layer) -> {
                int g = groups(name)[1];
                if (g < 0) {
                    return;
                }
                Tensor score = layer.bn != null ? layer.bn.weight().abs()
                        : layer.weight().abs().sum(new long[] {1, 2, 3}, false, new org.bytedeco.pytorch.ScalarTypeOptional());
                float[] v = Conv.floats(score.div(score.max().clamp_min(new org.bytedeco.pytorch.Scalar(1e-12))));
                float[] acc = out.get(g);
                for (int c = 0; c < acc.length; c++) {
                    acc[c] += v[c];
                }
            });
        }
        return out;
    }

    /**
     * Per channel group (stem, stages 1-3, neck): which of the base's channels a network of shape {@code target}
     * keeps, the most important ones, in ascending order.
     */
    public static List<long[]> selection(Detector base, DetectorSpec target) {
        DetectorSpec b = base.spec();
        if (b.classes() != target.classes() || b.depth() != target.depth()) {
            throw new IllegalArgumentException("pruning keeps classes and depth: " + b + " -> " + target);
        }
        List<float[]> importance = importance(base);
        int[] keep = target.widths();
        List<long[]> out = new ArrayList<>();
        for (int g = 0; g <= NECK; g++) {
            int k = g == NECK ? target.neckWidth() : keep[g];
            if (k > importance.get(g).length) {
                throw new IllegalArgumentException("cannot widen group " + g + " to " + k + " channels: " + b);
            }
            out.add(top(importance.get(g), k));
        }
        return out;
    }

    /** A network of shape {@code target} holding the most important channels of {@code base}. */
    public static Detector prune(Detector base, DetectorSpec target) {
        return prune(base, target, selection(base, target));
    }

    /** A network of shape {@code target} holding the channels of {@code base} that {@code selection} names. */
    public static Detector prune(Detector base, DetectorSpec target, List<long[]> selection) {
        Map<Integer, Tensor> kept = new LinkedHashMap<>();
        for (int g = 0; g <= NECK; g++) {
            kept.put(g, torch.tensor(selection.get(g)));
        }
        Detector pruned = new Detector(target);
        try (NoGradGuard ng = new NoGradGuard()) {
            base.layers().forEach((name, from) -> {
                Conv to = pruned.layers().get(name);
                int[] g = groups(name);
                Tensor w = from.conv.weight();
                if (g[1] >= 0) {
                    w = w.index_select(0, kept.get(g[1]));
                }
                if (g[0] >= 0) {
                    w = w.index_select(1, kept.get(g[0]));
                }
                to.conv.weight().copy_(w);
                if (from.bn != null) {
                    Tensor o = kept.get(g[1]);
                    to.bn.weight().copy_(from.bn.weight().index_select(0, o));
                    to.bn.bias().copy_(from.bn.bias().index_select(0, o));
                    to.bn.running_mean().copy_(from.bn.running_mean().index_select(0, o));
                    to.bn.running_var().copy_(from.bn.running_var().index_select(0, o));
                } else {
                    to.conv.bias().copy_(g[1] >= 0 ? from.conv.bias().index_select(0, kept.get(g[1])) : from.conv.bias());
                }
            });
        }
        return pruned;
    }

    /**
     * The channel group (0-4: stem, stages 1-3, neck) whose pruning shapes a layer, by its name in
     * {@link Detector#layers()}: its outputs' group, or for the output layers (whose outputs are never pruned) their
     * inputs'.
     */
    public static int group(String layer) {
        int[] g = groups(layer);
        return g[1] >= 0 ? g[1] : g[0];
    }

    /** The input and output channel groups of a layer, by its name in {@link Detector#layers()}. */
    private static int[] groups(String name) {
        if (name.equals("stem")) {
            return new int[] {IMAGE, 0};
        }
        if (name.matches("s[1-3]_.*")) { // s1_down, s1_conv0, ...
            int s = name.charAt(1) - '0';
            return name.endsWith("_down") ? new int[] {s - 1, s} : new int[] {s, s};
        }
        if (name.startsWith("lateral")) {
            return new int[] {name.charAt(7) - '0', NECK};
        }
        return name.endsWith("_out") ? new int[] {NECK, OUTPUT} : new int[] {NECK, NECK};
    }

    /** Indices of the k largest values, in ascending index order (the channels keep their relative order). */
    private static long[] top(float[] v, int k) {
        Integer[] idx = new Integer[v.length];
        for (int i = 0; i < v.length; i++) {
            idx[i] = i;
        }
        Arrays.sort(idx, (a, c) -> Float.compare(v[c], v[a]));
        long[] out = new long[k];
        for (int i = 0; i < k; i++) {
            out[i] = idx[i];
        }
        Arrays.sort(out);
        return out;
    }
}
