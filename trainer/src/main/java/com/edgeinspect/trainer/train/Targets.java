package com.edgeinspect.trainer.train;

import com.edgeinspect.core.dataset.Annotation;
import com.edgeinspect.core.dataset.Box;
import com.edgeinspect.core.detect.DetectorOutputs;
import java.util.List;

/**
 * Training targets of the CenterNet-style heads for one image on the stride-4 grid: a per-class heatmap with an
 * elliptical Gaussian at each object's centre (sigma = 0.09 x the box side in cells, as in TTFNet, at least 0.5), the
 * log box size and sub-cell offset at the centre cell, and a weight map that zeroes the heatmap loss inside crowd
 * (do-not-score) regions.
 */
final class Targets {

    final int classes;
    final int h;
    final int w;
    final float[] heatmap;
    final float[] size;
    final float[] offset;
    final float[] centreMask;
    final float[] weight;

    Targets(int classes, int imageHeight, int imageWidth) {
        this.classes = classes;
        this.h = imageHeight / DetectorOutputs.STRIDE;
        this.w = imageWidth / DetectorOutputs.STRIDE;
        this.heatmap = new float[classes * h * w];
        this.size = new float[2 * h * w];
        this.offset = new float[2 * h * w];
        this.centreMask = new float[h * w];
        this.weight = new float[h * w];
        java.util.Arrays.fill(weight, 1f);
    }

    static Targets of(List<Annotation> labels, int classes, int imageHeight, int imageWidth) {
        Targets t = new Targets(classes, imageHeight, imageWidth);
        for (Annotation a : labels) {
            if (a.crowd()) {
                t.ignore(a.box());
            }
        }
        for (Annotation a : labels) {
            if (!a.crowd()) {
                t.object(a.classId(), a.box());
            }
        }
        return t;
    }

    private void ignore(Box b) {
        float s = DetectorOutputs.STRIDE;
        for (int y = Math.max(0, (int) (b.y1() / s)); y < Math.min(h, (int) Math.ceil(b.y2() / s)); y++) {
            for (int x = Math.max(0, (int) (b.x1() / s)); x < Math.min(w, (int) Math.ceil(b.x2() / s)); x++) {
                weight[y * w + x] = 0;
            }
        }
    }

    private void object(int cls, Box b) {
        double s = DetectorOutputs.STRIDE;
        double cx = b.centerX() / s;
        double cy = b.centerY() / s;
        int ix = (int) Math.floor(cx);
        int iy = (int) Math.floor(cy);
        if (ix < 0 || iy < 0 || ix >= w || iy >= h) {
            return;
        }
        double bw = b.width() / s;
        double bh = b.height() / s;
        double sx = Math.max(0.5, 0.54 * bw / 6);
        double sy = Math.max(0.5, 0.54 * bh / 6);
        int rx = (int) Math.ceil(3 * sx);
        int ry = (int) Math.ceil(3 * sy);
        int base = cls * h * w;
        for (int y = Math.max(0, iy - ry); y <= Math.min(h - 1, iy + ry); y++) {
            for (int x = Math.max(0, ix - rx); x <= Math.min(w - 1, ix + rx); x++) {
                double g = Math.exp(-((x - ix) * (x - ix) / (2 * sx * sx) + (y - iy) * (y - iy) / (2 * sy * sy)));
                int i = base + y * w + x;
                heatmap[i] = (float) Math.max(heatmap[i], g);
            }
        }
        int c = iy * w + ix;
        weight[c] = 1; // an object's own centre is never ignored
        centreMask[c] = 1;
        size[c] = (float) Math.log(Math.max(bw, 0.25));
        size[h * w + c] = (float) Math.log(Math.max(bh, 0.25));
        offset[c] = (float) (cx - ix);
        offset[h * w + c] = (float) (cy - iy);
    }
}
