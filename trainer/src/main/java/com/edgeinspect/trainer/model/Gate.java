package com.edgeinspect.trainer.model;

import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;

/**
 * The early-exit gate: a cheap head on the backbone's deepest stage (stride 16) that says whether a frame shows any
 * defect at all. A 3x3 conv and a 1x1 conv score every cell; the frame scores as its highest cell, so one small defect
 * anywhere is enough and the frame's size does not matter (trained on crops, run on whole frames). Frames scored
 * below the gate's threshold skip the neck and heads, about two thirds of a student's arithmetic.
 */
public final class Gate extends Module {

    /** Channels of the gate's hidden layer: enough to tell a defect from surface texture, cheap at stride 16. */
    public static final int WIDTH = 16;

    private final Conv conv;
    private final Conv out;

    public Gate(DetectorSpec spec) {
        conv = register_module("conv", new Conv(spec.widths()[3], WIDTH, 3, 1, false));
        out = register_module("out", new Conv(WIDTH, 1, 1, 1, false));
        try (NoGradGuard g = new NoGradGuard()) {
            out.conv.bias().fill_(new Scalar(-2.19)); // start at p = 0.1: most frames are clean
        }
    }

    /** The gate's logit {@code [N, 1, 1, 1]} from the backbone's stride-16 features. */
    public <T> T describe(Ops<T> ops, T deepest) {
        return ops.globalMax(ops.conv(ops.relu(ops.conv(deepest, conv)), out));
    }

    /** Multiply-accumulates on a {@code height} x {@code width} frame. */
    public static long macs(DetectorSpec spec, int height, int width) {
        long cells = (long) (height / 16) * (width / 16);
        return cells * ((long) spec.widths()[3] * WIDTH * 9 + WIDTH);
    }
}
