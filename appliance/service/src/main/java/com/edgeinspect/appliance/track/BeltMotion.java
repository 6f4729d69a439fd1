package com.edgeinspect.appliance.track;

import java.util.Arrays;

/**
 * How the belt moves, in pixels per frame, learnt from every track at once: all parts on a belt move alike, so the
 * median of one frame's measured displacements is far steadier than any one defect's box, whose centre jitters by
 * pixels and whose detector may skip it for a second. A prediction over a long gap (a part the detector lost on a
 * glare, frames dropped on a busy box) is only as good as the velocity it multiplies.
 */
final class BeltMotion {

    /** Weight of a frame's median in the running estimate: a few frames follow a belt that speeds up or stops. */
    private static final double SMOOTHING = 0.3;
    /** Frames with measurements before the estimate is trusted over a track's own velocity. */
    private static final int SETTLED_AFTER = 3;

    private double[] xs = new double[8];
    private double[] ys = new double[8];
    private int n;
    private double vx;
    private double vy;
    private int frames;

    /** One track's displacement per frame since its previous sighting, measured in the current frame. */
    void measured(double mx, double my) {
        if (n == xs.length) {
            xs = Arrays.copyOf(xs, 2 * n);
            ys = Arrays.copyOf(ys, 2 * n);
        }
        xs[n] = mx;
        ys[n] = my;
        n++;
    }

    /** Folds the current frame's measurements into the estimate. */
    void endFrame() {
        if (n == 0) {
            return;
        }
        double mx = median(xs, n);
        double my = median(ys, n);
        if (frames == 0) {
            vx = mx;
            vy = my;
        } else {
            vx += SMOOTHING * (mx - vx);
            vy += SMOOTHING * (my - vy);
        }
        frames++;
        n = 0;
    }

    boolean settled() {
        return frames >= SETTLED_AFTER;
    }

    double vx() {
        return vx;
    }

    double vy() {
        return vy;
    }

    /** The median of the first {@code n} values, sorting them in place (they are this frame's, done with after). */
    private static double median(double[] v, int n) {
        Arrays.sort(v, 0, n);
        return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    }
}
