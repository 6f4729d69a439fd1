package com.edgeinspect.core.detect;

/**
 * The contract between an exported detector graph and the code that reads its outputs. The detector is anchor-free
 * (CenterNet-style): for every cell of a grid at {@link #STRIDE} pixels it predicts, per class, the probability that
 * a defect is centred there, plus the defect's size and its centre's sub-cell offset.
 *
 * <ul>
 *   <li>{@link #INPUT} {@code [N, 3, H, W]} float, RGB, {@code (pixel / 255 - MEAN) / STD}; H and W multiples of
 *       {@link #ALIGN}.
 *   <li>{@link #HEATMAP} {@code [N, C, H/4, W/4]}: sigmoid probabilities.
 *   <li>{@link #SIZE} {@code [N, 2, H/4, W/4]}: log of the box width and height in cells.
 *   <li>{@link #OFFSET} {@code [N, 2, H/4, W/4]}: the centre's x and y offset inside its cell, in cells.
 * </ul>
 *
 * <p>An early-exit model comes as two graphs. The first takes {@link #INPUT} and gives {@link #GATE} {@code [N, 1, 1,
 * 1]}, the probability that the frame shows any defect, and the backbone's {@link #FEATURES}; the second takes those
 * features and gives the outputs above. Run one after the other they compute exactly what the whole graph computes.
 */
public final class DetectorOutputs {

    public static final String INPUT = "image";
    public static final String HEATMAP = "heatmap";
    public static final String SIZE = "size";
    public static final String OFFSET = "offset";

    public static final String GATE = "gate";
    /** The backbone's stage outputs at strides 4, 8 and 16, handed from an early-exit model's first graph to its second. */
    public static final java.util.List<String> FEATURES = java.util.List.of("stage1", "stage2", "stage3");

    /** Pixels per output cell. */
    public static final int STRIDE = 4;
    /** Input sides must be multiples of this (the deepest stage's stride). */
    public static final int ALIGN = 16;
    public static final float MEAN = 0.5f;
    public static final float STD = 0.25f;

    private DetectorOutputs() {}

    /** The input normalisation: a channel intensity in [0, 1] to the value the graph expects. */
    public static float normalise(float intensity) {
        return (intensity - MEAN) / STD;
    }
}
