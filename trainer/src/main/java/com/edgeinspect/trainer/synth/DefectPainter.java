package com.edgeinspect.trainer.synth;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Path2D;
import java.awt.geom.QuadCurve2D;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferInt;
import java.util.Random;

/**
 * Draws one defect onto a part and returns the exact pixels it covers. Each defect is painted at full strength into
 * its own layer, then blended onto the surface at its contrast, so a faint defect has the same shape (and the same
 * ground-truth box) as a strong one.
 */
final class DefectPainter {

    /** Layer pixels at or above this opacity belong to the defect's mask. */
    private static final int MASK_ALPHA = 64;

    private DefectPainter() {}

    /**
     * Paints {@code defect} of about {@code size} pixels onto {@code body} at {@code contrast} (0..1).
     *
     * @return the covered pixels (body-sized bitmap), or null when the part has no room for it
     */
    static boolean[] paint(PartBody body, DefectClass defect, double size, double contrast, Random r) {
        size = Math.min(size, 0.75 * Math.min(body.width(), body.height()));
        if (defect == DefectClass.CHIP) {
            return chip(body, size, r);
        }
        double[] at = body.surfacePoint(r, defect == DefectClass.PIT ? size / 2 + 2 : Math.min(size / 2, 12));
        if (at == null) {
            return null;
        }
        BufferedImage layer = new BufferedImage(body.width(), body.height(), BufferedImage.TYPE_INT_ARGB);
        int[] px = ((DataBufferInt) layer.getRaster().getDataBuffer()).getData();
        // Grooves and fractures show mostly against the surface: dark on bright metal, light (stress whitening,
        // glints) on dark plastic.
        boolean light = r.nextDouble() < (luminance(body, at) > 110 ? 0.25 : 0.8);
        switch (defect) {
            case SCRATCH -> scratch(layer, at, size, light, r);
            case CRACK -> crack(layer, at, size, light, r);
            case PIT -> pit(px, body.width(), at, size, r);
            case STAIN -> stain(px, body.width(), body.height(), at, size, r);
            default -> throw new IllegalStateException(defect.name());
        }
        return blend(body, px, contrast);
    }

    private static void scratch(BufferedImage layer, double[] at, double size, boolean light, Random r) {
        Graphics2D g = antialiased(layer);
        double a = r.nextDouble() * Math.PI;
        double half = size * 0.45;
        double dx = Math.cos(a) * half;
        double dy = Math.sin(a) * half;
        double bend = (r.nextDouble() - 0.5) * size * 0.5;
        QuadCurve2D curve = new QuadCurve2D.Double(at[0] - dx, at[1] - dy, at[0] - dy / half * bend,
                at[1] + dx / half * bend, at[0] + dx, at[1] + dy);
        float width = (float) (0.9 + r.nextDouble() * 1.6);
        // A groove: the main line plus a thin companion edge of the opposite polarity.
        g.setColor(light ? new Color(255, 255, 255, 230) : new Color(0, 0, 0, 220));
        g.setStroke(new BasicStroke(width, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
        g.draw(curve);
        g.translate(0.8, 0.8);
        g.setColor(light ? new Color(0, 0, 0, 90) : new Color(255, 255, 255, 80));
        g.setStroke(new BasicStroke(width * 0.6f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
        g.draw(curve);
        g.dispose();
    }

    private static void crack(BufferedImage layer, double[] at, double size, boolean light, Random r) {
        Graphics2D g = antialiased(layer);
        g.setColor(light ? new Color(245, 245, 240, 235) : new Color(10, 8, 6, 235));
        double heading = r.nextDouble() * 2 * Math.PI;
        // Grow both ways from the start so the crack is centred on it.
        branch(g, at[0], at[1], heading, size * 0.5, 1.8f, r, 0);
        branch(g, at[0], at[1], heading + Math.PI, size * 0.5, 1.8f, r, 0);
        g.dispose();
    }

    private static void branch(Graphics2D g, double x, double y, double heading, double length, float width, Random r,
            int depth) {
        Path2D.Double path = new Path2D.Double();
        path.moveTo(x, y);
        double walked = 0;
        while (walked < length) {
            double step = 2.5 + r.nextDouble() * 3.5;
            heading += (r.nextDouble() - 0.5) * 0.9;
            x += Math.cos(heading) * step;
            y += Math.sin(heading) * step;
            walked += step;
            path.lineTo(x, y);
            if (depth < 2 && r.nextDouble() < 0.12) {
                double side = r.nextBoolean() ? 1 : -1;
                branch(g, x, y, heading + side * (0.4 + r.nextDouble() * 0.6), (length - walked) * 0.6,
                        Math.max(0.7f, width * 0.6f), r, depth + 1);
            }
        }
        g.setStroke(new BasicStroke(width, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
        g.draw(path);
    }

    private static void pit(int[] px, int w, double[] at, double size, Random r) {
        double radius = size / 2;
        double light = Math.PI * 1.25 + (r.nextDouble() - 0.5) * 0.6; // light from the upper left, like the parts
        double lx = Math.cos(light);
        double ly = Math.sin(light);
        int h = px.length / w;
        for (int y = (int) (at[1] - radius - 1); y <= at[1] + radius + 1; y++) {
            for (int x = (int) (at[0] - radius - 1); x <= at[0] + radius + 1; x++) {
                if (x < 0 || y < 0 || x >= w || y >= h) {
                    continue;
                }
                double nx = (x + 0.5 - at[0]) / radius;
                double ny = (y + 0.5 - at[1]) / radius;
                double d = Math.hypot(nx, ny);
                if (d > 1) {
                    continue;
                }
                // Inside a bowl the wall facing the light is bright and the far wall is in shadow.
                double facing = -(nx * lx + ny * ly);
                double edge = Math.min(1, (1 - d) * radius); // anti-aliased rim
                double dark = 0.35 + 0.5 * Math.max(0, -facing);
                double bright = 0.7 * Math.max(0, facing);
                int pixel = bright > dark
                        ? PartBody.argb(edge * Math.min(1, bright + 0.3), 255, 255, 250)
                        : PartBody.argb(edge * Math.min(1, dark), 20, 18, 15);
                px[y * w + x] = pixel;
            }
        }
    }

    private static final int[][] STAINS = {{120, 70, 30}, {60, 55, 40}, {235, 230, 215}, {150, 100, 40}};

    private static void stain(int[] px, int w, int h, double[] at, double size, Random r) {
        int blobs = 3 + r.nextInt(4);
        double[][] b = new double[blobs][3];
        for (int i = 0; i < blobs; i++) {
            double a = r.nextDouble() * 2 * Math.PI;
            double off = r.nextDouble() * size * 0.25;
            b[i] = new double[] {at[0] + Math.cos(a) * off, at[1] + Math.sin(a) * off, size * (0.12 + r.nextDouble() * 0.13)};
        }
        int[] rgb = STAINS[r.nextInt(STAINS.length)];
        double phase = r.nextDouble() * 10;
        for (int y = (int) (at[1] - size); y <= at[1] + size; y++) {
            for (int x = (int) (at[0] - size); x <= at[0] + size; x++) {
                if (x < 0 || y < 0 || x >= w || y >= h) {
                    continue;
                }
                double field = 0;
                for (double[] blob : b) {
                    field += Math.exp(-(sq(x - blob[0]) + sq(y - blob[1])) / (2 * sq(blob[2])));
                }
                // A ragged edge: the iso-line wobbles with a cheap two-frequency noise.
                field *= 1 + 0.25 * Math.sin(x * 0.31 + phase) * Math.sin(y * 0.27 - phase);
                double a = Math.min(1, Math.max(0, (field - 0.3) * 2.2)) * 0.75;
                if (a > 0) {
                    px[y * w + x] = PartBody.argb(a, rgb[0], rgb[1], rgb[2]);
                }
            }
        }
    }

    /** Mean luminance of the surface within 6 px of a point. */
    private static double luminance(PartBody body, double[] at) {
        double sum = 0;
        int n = 0;
        for (int y = (int) at[1] - 6; y <= at[1] + 6; y++) {
            for (int x = (int) at[0] - 6; x <= at[0] + 6; x++) {
                if (x >= 0 && y >= 0 && x < body.width() && y < body.height()) {
                    int v = body.argb[y * body.width() + x];
                    sum += 0.299 * ((v >> 16) & 255) + 0.587 * ((v >> 8) & 255) + 0.114 * (v & 255);
                    n++;
                }
            }
        }
        return n == 0 ? 128 : sum / n;
    }

    /** Bites a jagged piece out of the outline; the fracture face is lit as a thin bright rim. */
    private static boolean[] chip(PartBody body, double size, Random r) {
        double[] e = body.edgePoint(r);
        double radius = size / 2;
        int n = 9;
        double[] rad = new double[n];
        for (int i = 0; i < n; i++) {
            rad[i] = radius * (0.7 + r.nextDouble() * 0.45);
        }
        // The bite's centre sits slightly outside the edge so it removes a cap of material, not a hole.
        double cx = e[0] + e[2] * radius * 0.25;
        double cy = e[1] + e[3] * radius * 0.25;
        int w = body.width();
        int h = body.height();
        boolean[] mask = new boolean[w * h];
        boolean any = false;
        for (int y = (int) (cy - radius * 1.3); y <= cy + radius * 1.3; y++) {
            for (int x = (int) (cx - radius * 1.3); x <= cx + radius * 1.3; x++) {
                if (x < 0 || y < 0 || x >= w || y >= h) {
                    continue;
                }
                double ang = Math.atan2(y + 0.5 - cy, x + 0.5 - cx);
                double t = (ang + Math.PI) / (2 * Math.PI) * n;
                int i0 = (int) t % n;
                double f = t - Math.floor(t);
                double limit = rad[i0] * (1 - f) + rad[(i0 + 1) % n] * f;
                double d = Math.hypot(x + 0.5 - cx, y + 0.5 - cy) - limit;
                int i = y * w + x;
                int alpha = body.argb[i] >>> 24;
                if (alpha < 128) {
                    continue;
                }
                if (d < 0) {
                    double keep = Math.max(0, Math.min(1, d + 0.5)) ;
                    body.argb[i] = (int) (alpha * keep) << 24 | (body.argb[i] & 0xFFFFFF);
                    mask[i] = true;
                    any = true;
                } else if (d < 2.5) {
                    body.argb[i] = lerp(body.argb[i], 0xFFF0F0F0, 0.55);
                    mask[i] = true;
                }
            }
        }
        return any ? mask : null;
    }

    /** Blends the layer onto the body at {@code contrast}, only on material; returns the layer's mask. */
    private static boolean[] blend(PartBody body, int[] layer, double contrast) {
        boolean[] mask = new boolean[layer.length];
        boolean any = false;
        for (int i = 0; i < layer.length; i++) {
            int la = layer[i] >>> 24;
            int ba = body.argb[i] >>> 24;
            if (la == 0 || ba < 128) {
                continue;
            }
            body.argb[i] = lerp(body.argb[i], layer[i], la / 255.0 * contrast);
            if (la >= MASK_ALPHA) {
                mask[i] = true;
                any = true;
            }
        }
        return any ? mask : null;
    }

    /** Moves the colour of {@code base} towards {@code over} by t, keeping base's alpha. */
    private static int lerp(int base, int over, double t) {
        int r = (int) (((base >> 16) & 255) * (1 - t) + ((over >> 16) & 255) * t + 0.5);
        int g = (int) (((base >> 8) & 255) * (1 - t) + ((over >> 8) & 255) * t + 0.5);
        int b = (int) ((base & 255) * (1 - t) + (over & 255) * t + 0.5);
        return (base & 0xFF000000) | r << 16 | g << 8 | b;
    }

    private static Graphics2D antialiased(BufferedImage image) {
        Graphics2D g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_STROKE_CONTROL, RenderingHints.VALUE_STROKE_PURE);
        return g;
    }

    private static double sq(double v) {
        return v * v;
    }
}
