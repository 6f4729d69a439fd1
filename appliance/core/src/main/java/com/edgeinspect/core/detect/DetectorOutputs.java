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
 * <p>An early-exit model comes as two graphs. The first takes {@link #INPUT} and gives {@link #GATE_CELLS} {@code [N,
 * 1, H/8, W/8]}, the probability that a defect is centred near each {@link #GATE_STRIDE}-pixel cell, {@link #GATE}
 * {@code [N, 1, 1, 1]}, their maximum, and the stage outputs the second takes: the first stage's alone (the trainer's
 * form: stages 2 and 3, neck and heads run in the region) or all three of {@link #FEATURES} (bundles up to 0.5.0: only
 * neck and heads run there). The second takes those features and a {@link #REGION} {@code [4]} int64 (top, left,
 * bottom, right, end exclusive, in {@link #ALIGN}-pixel cells) and gives the outputs above for that region only
 * ({@code [N, C, 4 (bottom - top), 4 (right - left)]}); inside it, away from its edges, they are exactly what the whole
 * graph computes there (see {@link Region}). It may also give {@link #COMPUTED}.
 */
public final class DetectorOutputs {

    public static final String INPUT = "image";
    public static final String HEATMAP = "heatmap";
    public static final String SIZE = "size";
    public static final String OFFSET = "offset";

    public static final String GATE = "gate";
    public static final String GATE_CELLS = "gate_cells";
    /** Pixels per gate cell. */
    public static final int GATE_STRIDE = 8;
    public static final String REGION = "region";
    /** The backbone's stage outputs (strides 4, 8 and 16) an early-exit model's first graph may hand its second. */
    public static final java.util.List<String> FEATURES = java.util.List.of("stage1", "stage2", "stage3");
    /**
     * The cells the second graph computed on {@code [4]} int64 (as {@link #REGION}): the region widened by how far its
     * layers see around it, within the frame. What the early exit really spends is counted on this.
     */
    public static final String COMPUTED = "computed";

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
