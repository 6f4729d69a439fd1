package com.edgeinspect.trainer.export;

import com.edgeinspect.trainer.model.Conv;

/**
 * A convolution with its BatchNorm folded in, as inference graphs want it:
 * {@code W' = W * g / sqrt(v + eps)} per output channel and {@code b' = beta + (b - mu) * g / sqrt(v + eps)}.
 */
public record FoldedConv(int in, int out, int kernel, int stride, float[] weight, float[] bias) {

    public static FoldedConv of(Conv layer) {
        Conv.Weights w = layer.weights();
        float[] weight = w.weight().clone();
        float[] bias = w.bias() != null ? w.bias().clone() : new float[w.out()];
        if (w.bnGamma() != null) {
            int per = weight.length / w.out();
            for (int o = 0; o < w.out(); o++) {
                double scale = w.bnGamma()[o] / Math.sqrt(w.bnVar()[o] + w.bnEps());
                for (int i = 0; i < per; i++) {
                    weight[o * per + i] = (float) (weight[o * per + i] * scale);
                }
                bias[o] = (float) (w.bnBeta()[o] + (bias[o] - w.bnMean()[o]) * scale);
            }
        }
        return new FoldedConv(w.in(), w.out(), w.kernel(), w.stride(), weight, bias);
    }
}
