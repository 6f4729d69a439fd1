package com.edgeinspect.core.bundle;

import ai.onnxruntime.OrtException;
import com.edgeinspect.core.detect.OrtDetector;
import java.util.Map;

/**
 * Proves a bundle's model works on this device before it serves: each golden input must reproduce the expected
 * outputs within the manifest's tolerance, with no NaN or infinity. Catches a model that loads but computes garbage
 * (a broken export, an execution provider that miscompiles it, a mismatched bundle).
 */
public final class SmokeTest {

    private SmokeTest() {}

    /** Throws with the case, output and largest difference when the model fails; returns the slowest run in ms. */
    public static double run(Bundle bundle, OrtDetector detector) throws BundleException {
        double slowest = 0;
        Manifest m = bundle.manifest();
        for (int i = 0; i < m.golden().size(); i++) {
            Manifest.Golden g = m.golden().get(i);
            String where = bundle + ": golden[" + i + "]";
            float[] input = bundle.floats(g.input());
            long[] shape = g.shape().stream().mapToLong(Long::longValue).toArray();
            long elements = 1;
            for (long d : shape) {
                elements *= d;
            }
            if (elements != input.length) {
                throw new BundleException(where + ": input holds " + input.length + " values, shape says " + elements);
            }
            Map<String, float[]> out;
            long t0 = System.nanoTime();
            try {
                out = detector.raw(input, shape);
            } catch (OrtException | RuntimeException e) {
                throw new BundleException(where + ": the model failed to run: " + e.getMessage(), e);
            }
            slowest = Math.max(slowest, (System.nanoTime() - t0) / 1e6);
            for (Map.Entry<String, String> o : g.outputs().entrySet()) {
                float[] expected = bundle.floats(o.getValue());
                float[] got = out.get(o.getKey());
                if (got == null || got.length != expected.length) {
                    throw new BundleException(where + ": output " + o.getKey() + " has "
                            + (got == null ? "no values" : got.length + " values") + ", expected " + expected.length);
                }
                double worst = 0;
                for (int k = 0; k < got.length; k++) {
                    if (!Float.isFinite(got[k])) {
                        throw new BundleException(where + ": output " + o.getKey() + " holds " + got[k] + " at " + k);
                    }
                    worst = Math.max(worst, Math.abs(got[k] - expected[k]));
                }
                if (worst > g.tolerance()) {
                    throw new BundleException(String.format(java.util.Locale.ROOT,
                            "%s: output %s differs from the expected values by up to %.3g (tolerance %.3g)", where,
                            o.getKey(), worst, g.tolerance()));
                }
            }
        }
        return slowest;
    }
}
