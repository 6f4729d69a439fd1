package com.edgeinspect.trainer.synth;

import java.util.Locale;

/** The kinds of parts the conveyor carries. */
public enum PartType {
    /** Brushed steel plate with rounded corners and mounting holes. */
    PLATE,
    /** Turned metal disc with a centre bore and concentric tool marks. */
    DISC,
    /** Moulded plastic cap with a groove ring and knurled rim. */
    CAP;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
