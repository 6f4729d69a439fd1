package com.edgeinspect.appliance.metrics;

/**
 * The largest value recorded in the last {@code seconds} seconds, in one-second buckets: e.g. the longest pause
 * between two processed frames lately, which shows a stall (a model swap, a GC) that an average hides.
 */
public final class RecentMax {

    private final double[] max;
    private final long[] second;

    public RecentMax(int seconds) {
        this.max = new double[seconds];
        this.second = new long[seconds];
    }

    public synchronized void record(double value, long nowNanos) {
        long s = nowNanos / 1_000_000_000L;
        int i = (int) Math.floorMod(s, (long) max.length);
        if (second[i] != s) {
            second[i] = s;
            max[i] = value;
        } else {
            max[i] = Math.max(max[i], value);
        }
    }

    public synchronized double get(long nowNanos) {
        long s = nowNanos / 1_000_000_000L;
        double out = 0;
        for (int i = 0; i < max.length; i++) {
            if (s - second[i] < max.length) {
                out = Math.max(out, max[i]);
            }
        }
        return out;
    }
}
