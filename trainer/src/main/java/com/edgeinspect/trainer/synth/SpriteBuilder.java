package com.edgeinspect.trainer.synth;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.AffineTransform;
import java.awt.geom.NoninvertibleTransformException;
import java.awt.geom.Point2D;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferInt;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Turns a painted part into a {@link Sprite}: rotates it (bilinear, premultiplied so edges do not darken), smears it
 * along the belt by the exposure's motion blur, and casts a soft shadow. Defect masks go through the same geometry
 * (nearest-neighbour rotation, dilation by the blur) so the ground truth matches the pixels.
 */
final class SpriteBuilder {

    private static final int SHADOW_DX = 7;
    private static final int SHADOW_DY = 10;
    private static final int SHADOW_BLUR = 6;

    private SpriteBuilder() {}

    /** Width and height of the sprite canvas for a part of w x h rotated by angle, with room for shadow and blur. */
    static int[] canvas(int w, int h, double angle, int blur) {
        double c = Math.abs(Math.cos(angle));
        double s = Math.abs(Math.sin(angle));
        int margin = SHADOW_BLUR * 2 + Math.max(SHADOW_DX, SHADOW_DY) + blur;
        return new int[] {(int) Math.ceil(w * c + h * s) + 2 * margin, (int) Math.ceil(w * s + h * c) + 2 * margin};
    }

    static Sprite build(PartBody body, Map<Long, boolean[]> defectMasks, double angle, int blur) {
        int[] size = canvas(body.width(), body.height(), angle, blur);
        int cw = size[0];
        int ch = size[1];
        AffineTransform t = new AffineTransform();
        t.translate(cw / 2.0, ch / 2.0);
        t.rotate(angle);
        t.translate(-body.width() / 2.0, -body.height() / 2.0);

        BufferedImage out = new BufferedImage(cw, ch, BufferedImage.TYPE_INT_ARGB_PRE);
        Graphics2D g = out.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
        g.drawImage(body.image, t, null);
        g.dispose();
        int[] argb = ((DataBufferInt) out.getRaster().getDataBuffer()).getData();

        List<Sprite.DefectMask> masks = new ArrayList<>();
        for (Map.Entry<Long, boolean[]> e : defectMasks.entrySet()) {
            boolean[] rotated = rotateMask(e.getValue(), body.width(), body.height(), t, cw, ch);
            if (blur > 1) {
                rotated = dilateRows(rotated, cw, ch, blur);
            }
            Sprite.DefectMask m = Sprite.DefectMask.of(e.getKey(), rotated, cw, ch);
            if (m != null) {
                masks.add(m);
            }
        }
        if (blur > 1) {
            blurRows(argb, cw, ch, blur);
        }
        byte[] shadow = shadow(argb, cw, ch);
        return new Sprite(cw, ch, argb, shadow, opaqueBox(argb, cw, ch), List.copyOf(masks));
    }

    private static boolean[] rotateMask(boolean[] mask, int w, int h, AffineTransform t, int cw, int ch) {
        AffineTransform inv;
        try {
            inv = t.createInverse();
        } catch (NoninvertibleTransformException e) {
            throw new IllegalStateException(e);
        }
        boolean[] out = new boolean[cw * ch];
        Point2D.Double p = new Point2D.Double();
        for (int y = 0; y < ch; y++) {
            for (int x = 0; x < cw; x++) {
                p.setLocation(x + 0.5, y + 0.5);
                inv.transform(p, p);
                int sx = (int) Math.floor(p.x);
                int sy = (int) Math.floor(p.y);
                if (sx >= 0 && sy >= 0 && sx < w && sy < h && mask[sy * w + sx]) {
                    out[y * cw + x] = true;
                }
            }
        }
        return out;
    }

    /** The window of a centred horizontal box filter of length n: [x - before, x + after]. */
    private static int before(int n) {
        return (n - 1) / 2;
    }

    private static void blurRows(int[] argb, int w, int h, int n) {
        int[] row = new int[w];
        int lo = before(n);
        int hi = n - 1 - lo;
        for (int y = 0; y < h; y++) {
            System.arraycopy(argb, y * w, row, 0, w);
            for (int x = 0; x < w; x++) {
                int a = 0, r = 0, g = 0, b = 0;
                for (int k = x - lo; k <= x + hi; k++) {
                    if (k >= 0 && k < w) {
                        int v = row[k];
                        a += v >>> 24;
                        r += (v >> 16) & 255;
                        g += (v >> 8) & 255;
                        b += v & 255;
                    }
                }
                argb[y * w + x] = (a / n) << 24 | (r / n) << 16 | (g / n) << 8 | (b / n);
            }
        }
    }

    private static boolean[] dilateRows(boolean[] mask, int w, int h, int n) {
        boolean[] out = new boolean[mask.length];
        int lo = before(n);
        int hi = n - 1 - lo;
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                if (mask[y * w + x]) {
                    // A pixel at x spreads to every output whose window [o - lo, o + hi] contains it.
                    for (int o = Math.max(0, x - hi); o <= Math.min(w - 1, x + lo); o++) {
                        out[y * w + o] = true;
                    }
                }
            }
        }
        return out;
    }

    private static byte[] shadow(int[] argb, int w, int h) {
        float[] a = new float[w * h];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int sx = x - SHADOW_DX;
                int sy = y - SHADOW_DY;
                if (sx >= 0 && sy >= 0 && sx < w && sy < h) {
                    a[y * w + x] = (argb[sy * w + sx] >>> 24) / 255f;
                }
            }
        }
        for (int pass = 0; pass < 2; pass++) {
            a = boxBlur(a, w, h, SHADOW_BLUR, true);
            a = boxBlur(a, w, h, SHADOW_BLUR, false);
        }
        byte[] out = new byte[w * h];
        for (int i = 0; i < out.length; i++) {
            out[i] = (byte) Math.round(a[i] * 255);
        }
        return out;
    }

    private static float[] boxBlur(float[] in, int w, int h, int radius, boolean horizontal) {
        float[] out = new float[in.length];
        int n = 2 * radius + 1;
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                float s = 0;
                for (int k = -radius; k <= radius; k++) {
                    int xx = horizontal ? x + k : x;
                    int yy = horizontal ? y : y + k;
                    if (xx >= 0 && yy >= 0 && xx < w && yy < h) {
                        s += in[yy * w + xx];
                    }
                }
                out[y * w + x] = s / n;
            }
        }
        return out;
    }

    private static int[] opaqueBox(int[] argb, int w, int h) {
        int x1 = w, y1 = h, x2 = -1, y2 = -1;
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                if ((argb[y * w + x] >>> 24) >= 128) {
                    x1 = Math.min(x1, x);
                    x2 = Math.max(x2, x);
                    y1 = Math.min(y1, y);
                    y2 = Math.max(y2, y);
                }
            }
        }
        return new int[] {x1, y1, x2 + 1, y2 + 1};
    }
}
