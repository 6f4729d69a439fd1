package com.edgeinspect.trainer.synth;

import java.util.List;

/**
 * A part ready to be composited: premultiplied ARGB pixels (already rotated and motion-blurred), its cast shadow,
 * and the exact pixel mask of each defect on it, all in the sprite's own coordinates.
 *
 * @param width sprite width
 * @param height sprite height
 * @param argb premultiplied ARGB, row-major
 * @param shadow shadow strength 0..255 per pixel, row-major
 * @param body tight box of the part's opaque pixels: {x1, y1, x2, y2} exclusive
 * @param defects masks of the defects on this part
 */
record Sprite(int width, int height, int[] argb, byte[] shadow, int[] body, List<DefectMask> defects) {

    /**
     * Pixels covered by one defect: a bitmap over the box {x, y, w, h} in sprite coordinates.
     *
     * @param id the defect's id in the annotations
     */
    record DefectMask(long id, int x, int y, int w, int h, boolean[] bits, int count) {

        /** Builds the tight mask of {@code full} (a sprite-sized bitmap); null when empty. */
        static DefectMask of(long id, boolean[] full, int width, int height) {
            int x1 = width, y1 = height, x2 = -1, y2 = -1;
            for (int y = 0; y < height; y++) {
                for (int x = 0; x < width; x++) {
                    if (full[y * width + x]) {
                        x1 = Math.min(x1, x);
                        x2 = Math.max(x2, x);
                        y1 = Math.min(y1, y);
                        y2 = Math.max(y2, y);
                    }
                }
            }
            if (x2 < 0) {
                return null;
            }
            int w = x2 - x1 + 1;
            int h = y2 - y1 + 1;
            boolean[] bits = new boolean[w * h];
            int count = 0;
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    if (full[(y + y1) * width + x + x1]) {
                        bits[y * w + x] = true;
                        count++;
                    }
                }
            }
            return new DefectMask(id, x1, y1, w, h, bits, count);
        }

        int size() {
            return Math.max(w, h);
        }
    }
}
