package com.edgeinspect.trainer.synth;

import java.util.Random;

/**
 * The conveyor belt: a rubber texture (grain, blotches, lengthwise wear marks, a splice seam) that scrolls with the
 * parts, tiled every {@link #PERIOD} pixels.
 */
final class Belt {

    static final int PERIOD = 1024;

    private final int width;
    private final int height;
    private final int[] tile;

    Belt(int width, int height, Random r) {
        this.width = width;
        this.height = height;
        this.tile = new int[PERIOD * height];
        double base = 50 + r.nextDouble() * 25;
        double[] wear = PartPainter.smoothNoise(r, height, 4, 9);
        double fx = 0.01 + r.nextDouble() * 0.02;
        double fy = 0.012 + r.nextDouble() * 0.02;
        double phase = r.nextDouble() * 6;
        int seam = r.nextInt(PERIOD);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < PERIOD; x++) {
                // Periodic in x over PERIOD so the tile wraps without a visible jump.
                double ax = 2 * Math.PI * x / PERIOD;
                double blotch = 5 * Math.sin(ax * 3 + phase + y * fy) * Math.cos(ax * 5 + y * fx * 0.7);
                double v = base + wear[y] + blotch + 6 * r.nextGaussian();
                if (Math.abs(x - seam) < 3) {
                    v += 18;
                }
                int g = PartBody.clamp(v);
                tile[y * PERIOD + x] = PartBody.clamp(v + 2) << 16 | g << 8 | PartBody.clamp(v - 1);
            }
        }
    }

    /** Fills the frame with the belt moved {@code offset} pixels to the right. */
    void draw(int[] rgb, double offset) {
        int shift = Math.floorMod((int) Math.round(offset), PERIOD);
        for (int y = 0; y < height; y++) {
            int row = y * PERIOD;
            int x = 0;
            int src = Math.floorMod(-shift, PERIOD);
            while (x < width) {
                int n = Math.min(width - x, PERIOD - src);
                System.arraycopy(tile, row + src, rgb, y * width + x, n);
                x += n;
                src = 0;
            }
        }
    }
}
