package com.edgeinspect.core.dataset;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/**
 * An axis-aligned box in pixel-edge coordinates: (0,0) is the top-left corner of the top-left pixel, and a box that
 * covers exactly pixel columns 3..5 has x1 = 3, x2 = 6. Every format converts to and from this one convention.
 * Serialised as {@code [x1, y1, x2, y2]}.
 */
public record Box(double x1, double y1, double x2, double y2) {

    public Box {
        if (!(x2 > x1) || !(y2 > y1)) {
            throw new IllegalArgumentException("empty or inverted box [" + x1 + ", " + y1 + ", " + x2 + ", " + y2 + "]");
        }
    }

    public static Box ofXywh(double x, double y, double w, double h) {
        return new Box(x, y, x + w, y + h);
    }

    public double width() {
        return x2 - x1;
    }

    public double height() {
        return y2 - y1;
    }

    public double area() {
        return width() * height();
    }

    public double centerX() {
        return (x1 + x2) / 2;
    }

    public double centerY() {
        return (y1 + y2) / 2;
    }

    /** Distance between the two boxes' centres. */
    public double centreDistance(Box o) {
        return Math.hypot(centerX() - o.centerX(), centerY() - o.centerY());
    }

    /** True when the point (x, y) lies inside the box, edges included. */
    public boolean contains(double x, double y) {
        return x >= x1 && x <= x2 && y >= y1 && y <= y2;
    }

    /** Intersection over union; 0 for disjoint boxes. */
    public double iou(Box o) {
        double iw = Math.min(x2, o.x2) - Math.max(x1, o.x1);
        double ih = Math.min(y2, o.y2) - Math.max(y1, o.y1);
        if (iw <= 0 || ih <= 0) {
            return 0;
        }
        double inter = iw * ih;
        return inter / (area() + o.area() - inter);
    }

    /** True when the box lies within a width x height image, allowing {@code tolerance} pixels of overhang. */
    public boolean within(int width, int height, double tolerance) {
        return x1 >= -tolerance && y1 >= -tolerance && x2 <= width + tolerance && y2 <= height + tolerance;
    }

    /** This box cut to a width x height image, or null when nothing of it is inside. */
    public Box clip(int width, int height) {
        double cx1 = Math.max(0, x1);
        double cy1 = Math.max(0, y1);
        double cx2 = Math.min(width, x2);
        double cy2 = Math.min(height, y2);
        return cx2 > cx1 && cy2 > cy1 ? new Box(cx1, cy1, cx2, cy2) : null;
    }

    @JsonValue
    public double[] toArray() {
        return new double[] {x1, y1, x2, y2};
    }

    @JsonCreator
    public static Box fromArray(double[] a) {
        if (a == null || a.length != 4) {
            throw new IllegalArgumentException("a box is [x1, y1, x2, y2]");
        }
        return new Box(a[0], a[1], a[2], a[3]);
    }

    @Override
    public String toString() {
        return String.format(java.util.Locale.ROOT, "[%.1f, %.1f, %.1f, %.1f]", x1, y1, x2, y2);
    }
}
