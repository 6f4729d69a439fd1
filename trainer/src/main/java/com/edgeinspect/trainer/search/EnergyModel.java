package com.edgeinspect.trainer.search;

import com.edgeinspect.trainer.model.DetectorSpec;

/**
 * Energy of one frame by a stated model, not a measurement (this machine has no power meter; a Jetson's INA3221
 * rails would give the real figure): arithmetic plus memory traffic, with 45 nm figures from M. Horowitz, "Computing's
 * energy problem (and what we can do about it)", ISSCC 2014: a 32-bit float multiply-add 4.6 pJ (3.7 + 0.9), a
 * 32-bit DRAM access 640 pJ. Traffic counts the weights read once and every convolution's output written once and
 * read once. It ranks candidates by what they cost a battery or a heat budget; absolute values are indicative.
 */
public final class EnergyModel {

    static final double PJ_PER_MAC = 4.6;
    static final double PJ_PER_WORD = 640;

    private EnergyModel() {}

    public static double millijoules(DetectorSpec spec, int height, int width) {
        double words = spec.parameters() + 2.0 * spec.activations(height, width);
        return (spec.macs(height, width) * PJ_PER_MAC + words * PJ_PER_WORD) * 1e-9;
    }
}
