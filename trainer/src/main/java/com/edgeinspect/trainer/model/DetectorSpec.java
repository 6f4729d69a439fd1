package com.edgeinspect.trainer.model;

import java.util.Arrays;

/**
 * The shape of one member of the detector family: the teacher and every student are instances of the same code.
 *
 * <p>Backbone: a stride-2 stem, then three stages at strides 4, 8 and 16; each stage opens with a stride-2 3x3 conv
 * and adds {@code depth} more 3x3 convs (all conv + BatchNorm + ReLU). Neck: the stride-16 map is upsampled twice,
 * each time added to a 1x1 projection of the shallower stage, to a stride-4 map of {@code neckWidth} channels. Heads:
 * a 3x3 conv and a 1x1 conv each for heatmap, size and offset.
 *
 * <p>Why stride 4 on full-resolution frames: the smallest defects are ~10 px at 1080p, i.e. 2.5 cells; a coarser
 * grid or a downscaled frame merges them with the surface texture. The graph is fully convolutional, so it is
 * trained on crops and runs on whole 1920x1088 frames.
 *
 * @param classes defect classes
 * @param widths channels of the stem and of the three stages
 * @param depth extra 3x3 convs per stage
 * @param neckWidth channels of the neck and the heads
 */
public record DetectorSpec(int classes, int[] widths, int depth, int neckWidth) {

    public DetectorSpec {
        if (classes < 1 || widths.length != 4 || depth < 0 || depth > 8 || neckWidth < 4) {
            throw new IllegalArgumentException("bad detector spec: classes=" + classes + " widths="
                    + Arrays.toString(widths) + " depth=" + depth + " neck=" + neckWidth);
        }
        for (int w : widths) {
            if (w < 4 || w > 1024) {
                throw new IllegalArgumentException("stage width " + w + " outside [4, 1024]");
            }
        }
        widths = widths.clone();
    }

    /** The large model distilled from. */
    public static DetectorSpec teacher(int classes) {
        return new DetectorSpec(classes, new int[] {32, 64, 128, 192}, 2, 64);
    }

    /** The default deployable model, before any structure search. */
    public static DetectorSpec student(int classes) {
        return new DetectorSpec(classes, new int[] {16, 24, 48, 64}, 1, 32);
    }

    @Override
    public int[] widths() {
        return widths.clone();
    }

    /** One convolution of the network: channels in and out, kernel side, output height and width. */
    public interface ConvVisitor {
        void conv(int in, int out, int kernel, long height, long width);
    }

    /**
     * Visits every convolution of one forward pass on a {@code height} x {@code width} input, in the order the
     * network runs them: the one place the family's shape arithmetic lives.
     */
    public void forEachConv(int height, int width, ConvVisitor v) {
        long h = height / 2;
        long w = width / 2;
        v.conv(3, widths[0], 3, h, w);
        long[][] stage = new long[4][];
        stage[0] = new long[] {h, w};
        for (int s = 1; s < 4; s++) {
            h /= 2;
            w /= 2;
            v.conv(widths[s - 1], widths[s], 3, h, w);
            for (int d = 0; d < depth; d++) {
                v.conv(widths[s], widths[s], 3, h, w);
            }
            stage[s] = new long[] {h, w};
        }
        for (int s = 3; s >= 1; s--) { // 1x1 projections of stages 3, 2, 1 onto the neck width
            v.conv(widths[s], neckWidth, 1, stage[s][0], stage[s][1]);
        }
        v.conv(neckWidth, neckWidth, 3, stage[1][0], stage[1][1]); // smoothing at stride 4
        for (int out : new int[] {classes, 2, 2}) { // heatmap, size and offset heads
            v.conv(neckWidth, neckWidth, 3, stage[1][0], stage[1][1]);
            v.conv(neckWidth, out, 1, stage[1][0], stage[1][1]);
        }
    }

    /** Multiply-accumulates of one forward pass on a {@code height} x {@code width} input. */
    public long macs(int height, int width) {
        long[] total = {0};
        forEachConv(height, width, (in, out, k, h, w) -> total[0] += (long) in * out * k * k * h * w);
        return total[0];
    }

    /** Multiply-accumulates of the stem and the first stage, the part an early exit always runs. */
    public long earlyMacs(int height, int width) {
        long[] total = {0};
        int[] left = {2 + depth};
        forEachConv(height, width, (in, out, k, h, w) -> {
            if (left[0]-- > 0) {
                total[0] += (long) in * out * k * k * h * w;
            }
        });
        return total[0];
    }

    /**
     * Input pixels beyond a region's edge that the layers after the first stage read to compute the region's outputs:
     * how far a second graph must see around a region to give inside it what the whole graph gives there. Counted from
     * an edge on the 16-pixel grid: stage 2's stride-2 conv and its {@code depth} 3x3 convs each lose one 8-pixel cell;
     * stage 3's stride-2 conv then loses half as many 16-pixel cells, rounded up, and its 3x3 convs one each; nearest
     * upsampling keeps that in pixels; the smoothing conv and the heads' 3x3 convs lose a 4-pixel cell each.
     */
    public int reachAfterStage1() {
        int stage2 = 1 + depth;
        int stage3 = (stage2 + 2) / 2 + depth;
        return 16 * stage3 + 8;
    }

    /** Weights and biases. */
    public long parameters() {
        long[] total = {0};
        forEachConv(64, 64, (in, out, k, h, w) -> total[0] += (long) in * out * k * k + out);
        return total[0];
    }

    /** Values every convolution outputs in one forward pass (the activations written and read again). */
    public long activations(int height, int width) {
        long[] total = {0};
        forEachConv(height, width, (in, out, k, h, w) -> total[0] += (long) out * h * w);
        return total[0];
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DetectorSpec s && s.classes == classes && Arrays.equals(s.widths, widths)
                && s.depth == depth && s.neckWidth == neckWidth;
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(widths) * 31 + classes * 7 + depth * 3 + neckWidth;
    }

    @Override
    public String toString() {
        return "DetectorSpec[classes=" + classes + ", widths=" + Arrays.toString(widths) + ", depth=" + depth
                + ", neckWidth=" + neckWidth + "]";
    }
}
