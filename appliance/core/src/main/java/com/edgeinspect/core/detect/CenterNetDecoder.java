package com.edgeinspect.core.detect;

import com.edgeinspect.core.dataset.Box;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns the detector's raw outputs (see {@link DetectorOutputs}) into boxes: a cell is a detection when its class
 * probability reaches the threshold and is the maximum of its 3x3 neighbourhood in that class (CenterNet's peak
 * extraction, which replaces NMS), its box is centred at (cell + offset) x stride with size exp(size) x stride, and
 * at most {@code maxDetections} of the highest scores are kept. The one post-processing both the appliance and
 * evaluation use.
 */
public final class CenterNetDecoder {

    private final float threshold;
    private final int maxDetections;

    public CenterNetDecoder(float threshold, int maxDetections) {
        if (!(threshold > 0 && threshold < 1) || maxDetections < 1) {
            throw new IllegalArgumentException("threshold must be in (0, 1) and maxDetections >= 1");
        }
        this.threshold = threshold;
        this.maxDetections = maxDetections;
    }

    /**
     * Decodes one image's outputs, read from index 0 of each buffer whatever its position (the detector hands ONNX
     * Runtime's output memory in place).
     *
     * @param heatmap {@code [classes, h, w]} probabilities
     * @param size {@code [2, h, w]} log width and height in cells
     * @param offset {@code [2, h, w]} centre offsets in cells
     * @param scale multiply output coordinates by this (input pixels per original pixel, inverted)
     * @param clipWidth clip boxes to this width in output coordinates
     * @param clipHeight and this height
     */
    public List<Detection> decode(FloatBuffer heatmap, FloatBuffer size, FloatBuffer offset, int classes, int h, int w,
            double scale, int clipWidth, int clipHeight) {
        int plane = h * w;
        if (heatmap.limit() < classes * plane || size.limit() < 2 * plane || offset.limit() < 2 * plane) {
            throw new IllegalArgumentException("outputs smaller than " + classes + "x" + h + "x" + w);
        }
        List<Detection> out = new ArrayList<>();
        double s = DetectorOutputs.STRIDE * scale;
        for (int c = 0; c < classes; c++) {
            int base = c * plane;
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    float p = heatmap.get(base + y * w + x);
                    if (p < threshold || !peak(heatmap, base, h, w, x, y, p)) {
                        continue;
                    }
                    int i = y * w + x;
                    double cx = (x + offset.get(i)) * s;
                    double cy = (y + offset.get(plane + i)) * s;
                    double bw = Math.exp(Math.min(size.get(i), 10)) * s;
                    double bh = Math.exp(Math.min(size.get(plane + i), 10)) * s;
                    Box b = new Box(cx - bw / 2, cy - bh / 2, cx + bw / 2, cy + bh / 2).clip(clipWidth, clipHeight);
                    if (b != null) {
                        out.add(new Detection(c, b, p));
                    }
                }
            }
        }
        out.sort((a, b) -> Float.compare(b.score(), a.score()));
        return out.size() > maxDetections ? new ArrayList<>(out.subList(0, maxDetections)) : out;
    }

    /** True when no 3x3 neighbour is larger (ties: the first in scan order wins, so a plateau gives one peak). */
    private static boolean peak(FloatBuffer hm, int base, int h, int w, int x, int y, float p) {
        for (int dy = -1; dy <= 1; dy++) {
            for (int dx = -1; dx <= 1; dx++) {
                int xx = x + dx;
                int yy = y + dy;
                if ((dx == 0 && dy == 0) || xx < 0 || yy < 0 || xx >= w || yy >= h) {
                    continue;
                }
                float q = hm.get(base + yy * w + xx);
                if (q > p || (q == p && (dy < 0 || (dy == 0 && dx < 0)))) {
                    return false;
                }
            }
        }
        return true;
    }
}
