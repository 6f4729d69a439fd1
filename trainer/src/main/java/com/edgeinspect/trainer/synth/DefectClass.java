package com.edgeinspect.trainer.synth;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The defect classes the generator draws, with the size range (largest side of the box, pixels at 1080p) each one
 * takes. Sizes are drawn log-uniformly in the range, so small defects are as common as large ones.
 */
public enum DefectClass {
    /** Thin curved groove, lighter or darker than the surface. */
    SCRATCH(20, 150),
    /** Dark branching fracture line. */
    CRACK(15, 120),
    /** Shaded dent or pit: a dark crescent on one side, a highlight on the other. */
    PIT(10, 40),
    /** Irregular translucent discolouration: rust, oil, residue. */
    STAIN(20, 150),
    /** Material missing at the part's edge; the belt shows through. */
    CHIP(12, 60);

    private final int minSize;
    private final int maxSize;

    DefectClass(int minSize, int maxSize) {
        this.minSize = minSize;
        this.maxSize = maxSize;
    }

    public int minSize() {
        return minSize;
    }

    public int maxSize() {
        return maxSize;
    }

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses a class by its label; the error lists the valid names. */
    public static DefectClass of(String label) {
        for (DefectClass c : values()) {
            if (c.label().equals(label.trim().toLowerCase(Locale.ROOT))) {
                return c;
            }
        }
        throw new IllegalArgumentException("unknown defect class '" + label + "'; valid: "
                + Arrays.stream(values()).map(DefectClass::label).collect(Collectors.joining(", ")));
    }
}
