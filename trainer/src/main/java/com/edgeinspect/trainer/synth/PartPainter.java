package com.edgeinspect.trainer.synth;

import java.util.Random;

/**
 * Paints the parts: brushed steel plates with holes, turned discs, moulded plastic caps. Each surface has its own
 * texture and shading so that defects must be told apart from honest surface structure.
 */
final class PartPainter {

    private PartPainter() {}

    /** Draws a part's footprint (width, height) before anything else, so a scene can be planned without painting. */
    static int[] footprint(PartType type, Random r) {
        return switch (type) {
            case PLATE -> new int[] {260 + r.nextInt(160), 180 + r.nextInt(120)};
            case DISC -> square(220 + r.nextInt(140));
            case CAP -> square(160 + r.nextInt(110));
        };
    }

    static PartBody paint(PartType type, int[] footprint, Random r) {
        return switch (type) {
            case PLATE -> plate(footprint[0], footprint[1], r);
            case DISC -> disc(footprint[0], r);
            case CAP -> cap(footprint[0], r);
        };
    }

    private static int[] square(int size) {
        return new int[] {size, size};
    }

    private static PartBody plate(int w, int h, Random r) {
        double radius = 10 + r.nextDouble() * 25;
        int holes = 2 + r.nextInt(3);
        double holeR = 8 + r.nextDouble() * 9;
        double inset = radius + holeR + 6;
        double[][] holeAt = {{inset, inset}, {w - inset, h - inset}, {w - inset, inset}, {inset, h - inset}};
        PartBody.Outline outline = (x, y) -> {
            double qx = Math.abs(x - w / 2.0) - (w / 2.0 - radius);
            double qy = Math.abs(y - h / 2.0) - (h / 2.0 - radius);
            double d = Math.hypot(Math.max(qx, 0), Math.max(qy, 0)) + Math.min(Math.max(qx, qy), 0) - radius;
            for (int i = 0; i < holes; i++) {
                d = Math.max(d, holeR - Math.hypot(x - holeAt[i][0], y - holeAt[i][1]));
            }
            return d;
        };
        PartBody body = new PartBody(PartType.PLATE, w, h, outline);
        double base = 150 + r.nextDouble() * 40;
        double tint = r.nextDouble() * 8;
        double[] streak = smoothNoise(r, h, 3, 7);
        double[] grain = new double[w];
        for (int x = 0; x < w; x++) {
            grain[x] = r.nextGaussian();
        }
        body.fill((x, y, d, a) -> {
            // Brushing runs along x: each row has its own brightness, plus fine grain along the stroke.
            double v = base + streak[y] + 3 * grain[(x + y * 7) % w] + 2 * r.nextGaussian();
            v += bevel(d, x - w / 2.0, y - h / 2.0, w, h);
            return PartBody.argb(a, v - tint, v, v + tint);
        });
        return body;
    }

    private static PartBody disc(int size, Random r) {
        double c = size / 2.0;
        double outer = c - 1;
        double bore = outer * (0.16 + r.nextDouble() * 0.12);
        PartBody.Outline outline = (x, y) -> {
            double rr = Math.hypot(x - c, y - c);
            return Math.max(rr - outer, bore - rr);
        };
        PartBody body = new PartBody(PartType.DISC, size, size, outline);
        double base = 135 + r.nextDouble() * 50;
        double pitch = 2.5 + r.nextDouble() * 3;
        double warm = r.nextDouble() * 10;
        body.fill((x, y, d, a) -> {
            double rr = Math.hypot(x + 0.5 - c, y + 0.5 - c);
            double ang = Math.atan2(y + 0.5 - c, x + 0.5 - c);
            // Turning marks are concentric; anisotropic reflection makes two bright lobes across the disc.
            double v = base + 6 * Math.sin(rr * 2 * Math.PI / pitch) + 14 * Math.cos(2 * ang + 0.7)
                    + 2 * r.nextGaussian();
            if (Math.abs(rr - outer * 0.86) < 1.5) {
                v -= 25; // chamfer groove
            }
            v += bevel(d, x - c, y - c, size, size);
            return PartBody.argb(a, v + warm, v + warm / 2, v);
        });
        return body;
    }

    private static final int[][] PLASTICS = {{170, 30, 30}, {30, 70, 160}, {225, 225, 215}, {40, 40, 45},
        {230, 150, 20}, {40, 130, 60}};

    private static PartBody cap(int size, Random r) {
        double c = size / 2.0;
        double outer = c - 1;
        PartBody.Outline outline = (x, y) -> Math.hypot(x - c, y - c) - outer;
        PartBody body = new PartBody(PartType.CAP, size, size, outline);
        int[] rgb = PLASTICS[r.nextInt(PLASTICS.length)];
        int ridges = 40 + r.nextInt(40);
        double hx = -0.35 * outer;
        double hy = -0.35 * outer;
        body.fill((x, y, d, a) -> {
            double dx = x + 0.5 - c;
            double dy = y + 0.5 - c;
            double rr = Math.hypot(dx, dy);
            // Domed top lit from the upper left, a specular spot, a moulded groove and a knurled rim.
            double shade = 1 - 0.22 * (dx + dy) / outer;
            double spec = 90 * Math.exp(-(sq(dx - hx) + sq(dy - hy)) / sq(outer * 0.18));
            if (Math.abs(rr - outer * 0.7) < 2) {
                shade *= 0.7;
            }
            if (rr > outer - 9) {
                shade *= 0.8 + 0.15 * Math.sin(Math.atan2(dy, dx) * ridges);
            }
            double n = 1.5 * r.nextGaussian();
            return PartBody.argb(a, rgb[0] * shade + spec + n, rgb[1] * shade + spec + n, rgb[2] * shade + spec + n);
        });
        return body;
    }

    /** A lit bevel within a few pixels of the edge: brighter facing the light (upper left), darker away from it. */
    private static double bevel(double distance, double dx, double dy, int w, int h) {
        double depth = -distance;
        if (depth > 5) {
            return 0;
        }
        double facing = -(dx / w + dy / h);
        return 40 * facing * (1 - depth / 5);
    }

    /** Smooth random values: white noise box-filtered {@code passes} times with radius {@code radius}. */
    static double[] smoothNoise(Random r, int n, int passes, double amplitude) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = r.nextGaussian();
        }
        for (int p = 0; p < passes; p++) {
            double[] out = new double[n];
            for (int i = 0; i < n; i++) {
                double s = 0;
                int k = 0;
                for (int j = Math.max(0, i - 2); j <= Math.min(n - 1, i + 2); j++, k++) {
                    s += v[j];
                }
                out[i] = s / k;
            }
            v = out;
        }
        double max = 1e-9;
        for (double x : v) {
            max = Math.max(max, Math.abs(x));
        }
        for (int i = 0; i < n; i++) {
            v[i] = v[i] / max * amplitude;
        }
        return v;
    }

    private static double sq(double v) {
        return v * v;
    }
}
