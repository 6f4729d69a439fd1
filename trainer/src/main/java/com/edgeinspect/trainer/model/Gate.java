package com.edgeinspect.trainer.model;

import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;

/**
 * The early-exit gate: a cheap head on the first stage's stride-4 map that says where a frame shows a defect. Its own
 * stride-2 conv brings the map to the stride-8 grid of gate cells and a 3x3 conv looks around each; a second path at
 * stride 16 (two more 3x3 convs, upsampled back as the neck does) widens what a cell sees to about 100 px, the size of
 * the larger defects; a 1x1 conv scores every cell (trained on crops, run on whole frames). Everything after the first
 * stage, about three quarters of a student's arithmetic, then runs only around the cells at or above the gate's
 * threshold, and not at all on a frame without one (see {@code core.detect.Region}).
 */
public final class Gate extends Module {

    /** Channels of the gate's hidden layers: enough to tell a defect from surface texture, cheap at stride 8. */
    public static final int WIDTH = 24;
    /** Pixels per gate cell. */
    public static final int STRIDE = 8;

    private final Conv down;
    private final Conv fine;
    private final Conv coarseDown;
    private final Conv coarse;
    private final Conv out;

    public Gate(DetectorSpec spec) {
        down = register_module("down", new Conv(spec.widths()[1], WIDTH, 3, 2, false));
        fine = register_module("fine", new Conv(WIDTH, WIDTH, 3, 1, false));
        coarseDown = register_module("coarse_down", new Conv(WIDTH, WIDTH, 3, 2, false));
        coarse = register_module("coarse", new Conv(WIDTH, WIDTH, 3, 1, false));
        out = register_module("out", new Conv(WIDTH, 1, 1, 1, false));
        try (NoGradGuard g = new NoGradGuard()) {
            out.conv.bias().fill_(new Scalar(-2.19)); // start at p = 0.1: most cells are clean
        }
    }

    /** The logit of every stride-8 cell {@code [N, 1, H/8, W/8]} from the first stage's output ({@link Detector#early}). */
    public <T> T cells(Ops<T> ops, T stage1) {
        T f = ops.relu(ops.conv(ops.relu(ops.conv(stage1, down)), fine));
        T c = ops.relu(ops.conv(ops.relu(ops.conv(f, coarseDown)), coarse));
        return ops.conv(ops.add(f, ops.upsample2(c)), out);
    }

    /** Multiply-accumulates on a {@code height} x {@code width} frame. */
    public static long macs(DetectorSpec spec, int height, int width) {
        long fineCells = (long) (height / 8) * (width / 8);
        long coarseCells = (long) (height / 16) * (width / 16);
        long hidden = (long) WIDTH * WIDTH * 9;
        return fineCells * ((long) spec.widths()[1] * WIDTH * 9 + hidden + WIDTH) + coarseCells * 2 * hidden;
    }
}
