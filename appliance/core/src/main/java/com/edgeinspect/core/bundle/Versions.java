package com.edgeinspect.core.bundle;

/**
 * Orders model versions the way people write them: dot-separated parts compared numerically where both are
 * numbers ({@code 0.10.0 > 0.9.3}), a pre-release suffix after {@code -} sorts before the release
 * ({@code 1.0.0-rc1 < 1.0.0}), build metadata after {@code +} is ignored.
 */
public final class Versions {

    private Versions() {}

    public static int compare(String a, String b) {
        String[] ma = split(a);
        String[] mb = split(b);
        int c = compareParts(ma[0], mb[0]);
        if (c != 0) {
            return c;
        }
        if (ma[1] == null || mb[1] == null) {
            return ma[1] == null ? (mb[1] == null ? 0 : 1) : -1;
        }
        return compareParts(ma[1], mb[1]);
    }

    /** Release and pre-release (null when none); build metadata dropped. */
    private static String[] split(String v) {
        int plus = v.indexOf('+');
        String core = plus >= 0 ? v.substring(0, plus) : v;
        int dash = core.indexOf('-');
        return dash >= 0 ? new String[] {core.substring(0, dash), core.substring(dash + 1)} : new String[] {core, null};
    }

    private static int compareParts(String a, String b) {
        String[] pa = a.split("\\.");
        String[] pb = b.split("\\.");
        for (int i = 0; i < Math.max(pa.length, pb.length); i++) {
            if (i >= pa.length || i >= pb.length) {
                return i >= pa.length ? -1 : 1;
            }
            boolean na = pa[i].matches("\\d{1,18}");
            boolean nb = pb[i].matches("\\d{1,18}");
            int c = na && nb ? Long.compare(Long.parseLong(pa[i]), Long.parseLong(pb[i]))
                    : na != nb ? (na ? -1 : 1) : pa[i].compareTo(pb[i]);
            if (c != 0) {
                return c;
            }
        }
        return 0;
    }
}
