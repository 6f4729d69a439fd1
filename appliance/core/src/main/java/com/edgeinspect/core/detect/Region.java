package com.edgeinspect.core.detect;

/**
 * Where an early-exit model's second graph runs: the box around every gate cell that reaches the threshold, widened by
 * {@link #MARGIN} pixels, rounded out to {@link DetectorOutputs#ALIGN}-pixel cells (the deepest stage's grid, so the
 * features of all three strides crop at the same place) and grown to a power-of-two side. The second graph is most of
 * a student's arithmetic and all of it runs on the whole frame otherwise; a part on a 1080p frame is a few percent of
 * it.
 *
 * <p>Inside the region the second graph gives what the whole graph gives. The trainer's form computes on the region
 * widened by what its layers must see ({@link DetectorOutputs#COMPUTED}), so only the decoder's 3x3 peak test sees
 * the region's edge; in bundles up to 0.5.0, which take the region as it is, the neck's and heads' 3x3 convolutions
 * see zero padding there too. Either way detections centred within {@link #BORDER} pixels of an edge that is not the
 * frame's own are dropped ({@link #inside}). A defect the gate marks is covered when one of its hot cells lies within
 * {@link #REACH} cells of its centre; the trainer sets the threshold on exactly that.
 *
 * @param top first row, in {@link DetectorOutputs#ALIGN}-pixel cells
 * @param left first column
 * @param bottom row after the last
 * @param right column after the last
 * @param rows rows of the frame's grid (the padded frame's height / ALIGN)
 * @param columns columns of the frame's grid
 */
public record Region(int top, int left, int bottom, int right, int rows, int columns) {

    /** The smallest region side, in ALIGN cells; sides are powers of two from here (see {@link #bucketed}). */
    static final int MIN_CELLS = 4;
    /** Pixels the region reaches beyond the hot cells. */
    public static final int MARGIN = 48;
    /**
     * Pixels along an inner edge where the second graph's outputs may differ from the whole graph's: two 3x3 convs
     * and the 3x3 peak test at stride 4 reach 12.
     */
    public static final int BORDER = 16;
    /** Gate cells between a hot cell and a defect centre that the region still covers away from its border. */
    public static final int REACH = (MARGIN - BORDER) / DetectorOutputs.GATE_STRIDE - 1;

    /** The whole frame of {@code rows} x {@code columns} ALIGN-pixel cells. */
    public static Region whole(int rows, int columns) {
        return new Region(0, 0, rows, columns, rows, columns);
    }

    /**
     * The region of a frame's gate map, or null when no cell reaches {@code threshold} (the frame exits).
     *
     * @param cells {@code [rows * 2, columns * 2]} gate probabilities (GATE_STRIDE is half of ALIGN), from index 0
     */
    public static Region of(java.nio.FloatBuffer cells, int rows, int columns, float threshold) {
        int h = rows * DetectorOutputs.ALIGN / DetectorOutputs.GATE_STRIDE;
        int w = columns * DetectorOutputs.ALIGN / DetectorOutputs.GATE_STRIDE;
        if (cells.limit() != h * w) {
            throw new IllegalArgumentException("gate map has " + cells.limit() + " cells, a " + columns * 16 + "x"
                    + rows * 16 + " frame has " + h * w);
        }
        int y0 = h;
        int x0 = w;
        int y1 = -1;
        int x1 = -1;
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                if (cells.get(y * w + x) >= threshold) {
                    y0 = Math.min(y0, y);
                    y1 = Math.max(y1, y);
                    x0 = Math.min(x0, x);
                    x1 = Math.max(x1, x);
                }
            }
        }
        if (y1 < 0) {
            return null;
        }
        int s = DetectorOutputs.GATE_STRIDE;
        int a = DetectorOutputs.ALIGN;
        int[] vertical = bucketed(Math.floorDiv(y0 * s - MARGIN, a), ceilDiv((y1 + 1) * s + MARGIN, a), rows);
        int[] horizontal = bucketed(Math.floorDiv(x0 * s - MARGIN, a), ceilDiv((x1 + 1) * s + MARGIN, a), columns);
        return new Region(vertical[0], horizontal[0], vertical[1], horizontal[1], rows, columns);
    }

    /**
     * Cells {@code [from, to)} widened to a power of two of at least {@link #MIN_CELLS} (or all {@code cells}) and
     * moved inside {@code [0, cells)}. ONNX Runtime plans memory per input shape and TensorRT builds engines for shape
     * ranges: a few dozen sizes keep both bounded, at the price of heads run on up to four times the area.
     */
    static int[] bucketed(int from, int to, int cells) {
        from = Math.max(0, from);
        to = Math.min(cells, to);
        int size = MIN_CELLS;
        while (size < to - from) {
            size *= 2;
        }
        if (size >= cells) {
            return new int[] {0, cells};
        }
        int start = Math.min(from, cells - size);
        return new int[] {start, start + size};
    }

    /** The second graph's {@link DetectorOutputs#REGION} input. */
    public long[] input() {
        return new long[] {top, left, bottom, right};
    }

    /** Pixel offset of the region's outputs in the frame. */
    public int x() {
        return left * DetectorOutputs.ALIGN;
    }

    public int y() {
        return top * DetectorOutputs.ALIGN;
    }

    /** Output cells of the region, each way. */
    public int outputHeight() {
        return (bottom - top) * DetectorOutputs.ALIGN / DetectorOutputs.STRIDE;
    }

    public int outputWidth() {
        return (right - left) * DetectorOutputs.ALIGN / DetectorOutputs.STRIDE;
    }

    /** The share of the frame the second graph runs on. */
    public double share() {
        return (double) (bottom - top) * (right - left) / ((double) rows * columns);
    }

    /** Whether a detection centred at ({@code cx}, {@code cy}), frame pixels, is clear of the region's inner edges. */
    public boolean inside(double cx, double cy) {
        int a = DetectorOutputs.ALIGN;
        return (top == 0 || cy >= top * a + BORDER) && (left == 0 || cx >= left * a + BORDER)
                && (bottom == rows || cy < bottom * a - BORDER) && (right == columns || cx < right * a - BORDER);
    }

    private static int ceilDiv(int a, int b) {
        return -Math.floorDiv(-a, b);
    }
}
