package com.edgeinspect.trainer.synth;

import java.awt.image.BufferedImage;
import java.awt.image.DataBufferInt;
import java.util.Random;

/**
 * An unrotated part being painted: an ARGB image (not premultiplied) and the signed distance function of its
 * outline, which defects use to stay on the surface and chips use to find the edge.
 */
final class PartBody {

    /** Signed distance to the outline in pixels: negative inside the material, positive outside or in a hole. */
    interface Outline {
        double distance(double x, double y);
    }

    /** Colour of one pixel on the material, given its signed distance to the outline and its coverage. */
    interface Shader {
        int shade(int x, int y, double distance, double coverage);
    }

    final PartType type;
    final BufferedImage image;
    final int[] argb;
    final Outline outline;

    PartBody(PartType type, int width, int height, Outline outline) {
        this.type = type;
        this.image = new BufferedImage(width, height, BufferedImage.TYPE_INT_ARGB);
        this.argb = ((DataBufferInt) image.getRaster().getDataBuffer()).getData();
        this.outline = outline;
    }

    int width() {
        return image.getWidth();
    }

    int height() {
        return image.getHeight();
    }

    /** Paints every pixel the outline covers, row by row, with the shader. */
    void fill(Shader shader) {
        int w = width();
        for (int y = 0; y < height(); y++) {
            for (int x = 0; x < w; x++) {
                double d = outline.distance(x + 0.5, y + 0.5);
                double a = coverage(d);
                if (a > 0) {
                    argb[y * w + x] = shader.shade(x, y, d, a);
                }
            }
        }
    }

    /** True when (x, y) is on solid material at least {@code margin} pixels from any edge. */
    boolean inside(double x, double y, double margin) {
        return outline.distance(x, y) <= -margin;
    }

    /** A point on the surface at least {@code margin} from the edges, or null if none was found. */
    double[] surfacePoint(Random r, double margin) {
        for (int i = 0; i < 200; i++) {
            double x = r.nextDouble() * width();
            double y = r.nextDouble() * height();
            if (inside(x, y, margin)) {
                return new double[] {x, y};
            }
        }
        return null;
    }

    /** A point on the outer outline (distance ~ 0) found by walking in from a random direction. */
    double[] edgePoint(Random r) {
        double cx = width() / 2.0;
        double cy = height() / 2.0;
        double a = r.nextDouble() * 2 * Math.PI;
        double dx = Math.cos(a);
        double dy = Math.sin(a);
        double t = Math.hypot(width(), height()) / 2;
        while (t > 0 && outline.distance(cx + dx * t, cy + dy * t) > 0) {
            t -= 0.5;
        }
        return new double[] {cx + dx * t, cy + dy * t, dx, dy};
    }

    /** Opacity of a pixel from its signed distance: a one-pixel anti-aliased edge. */
    static double coverage(double distance) {
        return Math.max(0, Math.min(1, 0.5 - distance));
    }

    static int argb(double a, double r, double g, double b) {
        return clamp(a * 255) << 24 | clamp(r) << 16 | clamp(g) << 8 | clamp(b);
    }

    static int clamp(double v) {
        return v <= 0 ? 0 : v >= 255 ? 255 : (int) (v + 0.5);
    }
}
