package com.edgeinspect.trainer.quant;

import com.edgeinspect.trainer.model.Conv;
import java.util.Map;

/**
 * Where an int8 graph quantises activations, and with which scale (symmetric, zero point 0): the inputs of the int8
 * convolutions, the outputs of the heads' last convolutions, and both inputs of each add, numbered in the order the
 * detector's description makes its adds ({@code adds[2k + side]}); the exporter replays the same description, so the
 * numbers agree.
 */
public record QuantScales(Map<Conv, Float> inputs, Map<Conv, Float> outputs, float[] adds) {

    public float add(int add, int side) {
        return adds[2 * add + side];
    }
}
