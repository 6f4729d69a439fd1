package com.edgeinspect.trainer.data;

import com.edgeinspect.core.dataset.Box;
import java.nio.file.Path;

/** The checks every format applies to a box read from a file. */
final class Boxes {

    /** Boxes may overhang the image by this much (rounding in other tools); they are clipped. */
    static final double TOLERANCE = 1.0;

    private Boxes() {}

    /**
     * A checked box from raw edges, clipped to the image, or null after reporting the problem.
     *
     * @param where file the box came from
     * @param entry the entry's name in that file
     */
    static Box checked(double x1, double y1, double x2, double y2, int width, int height, Path where, String entry,
            Problems problems) throws DatasetException {
        if (!Double.isFinite(x1) || !Double.isFinite(y1) || !Double.isFinite(x2) || !Double.isFinite(y2)) {
            problems.bad(where, entry, "box has a non-numeric coordinate");
            return null;
        }
        if (!(x2 > x1) || !(y2 > y1)) {
            problems.bad(where, entry, String.format(java.util.Locale.ROOT,
                    "empty or inverted box x1=%.2f y1=%.2f x2=%.2f y2=%.2f", x1, y1, x2, y2));
            return null;
        }
        Box box = new Box(x1, y1, x2, y2);
        if (!box.within(width, height, TOLERANCE)) {
            problems.bad(where, entry, "box " + box + " lies outside the " + width + "x" + height + " image");
            return null;
        }
        return box.clip(width, height);
    }
}
