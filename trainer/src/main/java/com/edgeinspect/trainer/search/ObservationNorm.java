package com.edgeinspect.trainer.search;

/**
 * Running mean and variance of observations (Welford), so features on different scales (channels, FLOPs, budgets)
 * reach the networks on one; normalised values are clipped to +-5.
 */
final class ObservationNorm {

    private final double[] mean;
    private final double[] m2;
    private long count;

    ObservationNorm(int size) {
        mean = new double[size];
        m2 = new double[size];
    }

    void update(float[] x) {
        count++;
        for (int i = 0; i < x.length; i++) {
            double d = x[i] - mean[i];
            mean[i] += d / count;
            m2[i] += d * (x[i] - mean[i]);
        }
    }

    float[] apply(float[] x) {
        float[] out = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            double sd = count > 1 ? Math.sqrt(m2[i] / (count - 1)) : 1;
            out[i] = (float) Math.max(-5, Math.min(5, (x[i] - mean[i]) / (sd + 1e-8)));
        }
        return out;
    }

    /** The state, for checkpoints: count, then means, then sums of squared deviations. */
    double[] state() {
        double[] s = new double[1 + 2 * mean.length];
        s[0] = count;
        System.arraycopy(mean, 0, s, 1, mean.length);
        System.arraycopy(m2, 0, s, 1 + mean.length, m2.length);
        return s;
    }

    void restore(double[] s) {
        if (s.length != 1 + 2 * mean.length) {
            throw new IllegalArgumentException("observation statistics for " + (s.length - 1) / 2
                    + " features, expected " + mean.length);
        }
        count = (long) s[0];
        System.arraycopy(s, 1, mean, 0, mean.length);
        System.arraycopy(s, 1 + mean.length, m2, 0, m2.length);
    }
}
