package com.edgeinspect.trainer.model;

import java.util.List;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;

/**
 * The early-exit gate: a cheap head on the backbone's two deepest stages that says whether a frame shows any defect
 * at all. A 3x3 conv on each stage (the stride-16 one upsampled onto the stride-8 grid, as the neck does), summed, and
 * a 1x1 conv score every stride-8 cell (trained on crops, run on whole frames). The neck and heads, about two thirds
 * of a student's arithmetic, run only around the cells at or above the gate's threshold, and not at all on a frame
 * without one (see {@code core.detect.Region}).
 */
public final class Gate extends Module {

    /** Channels of the gate's hidden layer: enough to tell a defect from surface texture, cheap at stride 8. */
    public static final int WIDTH = 24;
    /** Pixels per gate cell. */
    public static final int STRIDE = 8;

    private final Conv fine;
    private final Conv coarse;
    private final Conv out;

    public Gate(DetectorSpec spec) {
        fine = register_module("fine", new Conv(spec.widths()[2], WIDTH, 3, 1, false));
        coarse = register_module("coarse", new Conv(spec.widths()[3], WIDTH, 3, 1, false));
        out = register_module("out", new Conv(WIDTH, 1, 1, 1, false));
        try (NoGradGuard g = new NoGradGuard()) {
            out.conv.bias().fill_(new Scalar(-2.19)); // start at p = 0.1: most cells are clean
        }
    }

    /** The gate's logit {@code [N, 1, 1, 1]} from the backbone's stage outputs ({@link Detector#backbone}). */
    public <T> T describe(Ops<T> ops, List<T> features) {
        return ops.globalMax(cells(ops, features));
    }

    /** The logit of every stride-8 cell {@code [N, 1, H/8, W/8]}: what training supervises. */
    public <T> T cells(Ops<T> ops, List<T> features) {
        T x = ops.add(ops.relu(ops.conv(features.get(1), fine)), ops.upsample2(ops.relu(ops.conv(features.get(2),
                coarse))));
        return ops.conv(x, out);
    }

    /** Multiply-accumulates on a {@code height} x {@code width} frame. */
    public static long macs(DetectorSpec spec, int height, int width) {
        long fineCells = (long) (height / 8) * (width / 8);
        long coarseCells = (long) (height / 16) * (width / 16);
        return fineCells * ((long) spec.widths()[2] * WIDTH * 9 + WIDTH) + coarseCells * spec.widths()[3] * WIDTH * 9;
    }
}
