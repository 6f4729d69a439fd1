package com.edgeinspect.appliance.model;

import com.edgeinspect.core.bundle.Bundle;
import com.edgeinspect.core.bundle.BundleException;
import com.edgeinspect.core.detect.DetectorOutputs;
import io.vertx.core.json.JsonObject;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Random;

/**
 * {@code cmd/benchmark}: how fast this box runs the model of a signed bundle, so that a trainer searching student
 * shapes can measure latency on the hardware that will run them (hardware in the loop). The bundle is verified and
 * smoke-tested like any install, loaded with the box's own providers (a TensorRT engine is built first, outside the
 * timing), run {@code runs} times on one input of the requested size (both graphs of an early-exit model, whole
 * frame), and closed; it is never installed. The streams keep running meanwhile, so a busy box reports a busy box's
 * latency: benchmark on an idle line for clean numbers.
 *
 * <p>Request: {@code {"bundle": base64, "runs": 20, "width": 1920, "height": 1088}}. Answer: {@code {"ok": true,
 * "provider", "runs", "width", "height", "medianMs", "p90Ms"}}.
 */
public final class BundleBenchmark {

    static final int MAX_RUNS = 200;
    static final int MAX_SIDE = 4096;

    private BundleBenchmark() {}

    /** Runs the request; bad requests and bundles throw {@link BundleException} with the reason. */
    public static JsonObject run(ModelLoader loader, JsonObject request) throws BundleException {
        byte[] zip;
        try {
            zip = Base64.getDecoder().decode(request.getString("bundle", ""));
        } catch (IllegalArgumentException | ClassCastException e) {
            throw new BundleException("cmd/benchmark: 'bundle' must be a base64 string: " + e.getMessage(), e);
        }
        int runs = integer(request, "runs", 20, 1, MAX_RUNS);
        int width = integer(request, "width", 1920, DetectorOutputs.ALIGN, MAX_SIDE);
        int height = integer(request, "height", 1088, DetectorOutputs.ALIGN, MAX_SIDE);
        if (width % DetectorOutputs.ALIGN != 0 || height % DetectorOutputs.ALIGN != 0) {
            throw new BundleException("cmd/benchmark: width and height must be multiples of " + DetectorOutputs.ALIGN
                    + ", got " + width + "x" + height);
        }
        Bundle bundle = loader.verify(zip, "cmd/benchmark");
        long[] shape = {1, 3, height, width};
        try (LoadedModel m = loader.load(bundle)) {
            loader.warm(m, List.of(shape));
            float[] input = new float[3 * height * width];
            Random r = new Random(1);
            for (int i = 0; i < input.length; i++) {
                input[i] = (float) r.nextGaussian();
            }
            double[] ms = new double[runs];
            for (int i = 0; i < runs; i++) {
                long t0 = System.nanoTime();
                m.detector().raw(input, shape);
                ms[i] = (System.nanoTime() - t0) / 1e6;
            }
            Arrays.sort(ms);
            return new JsonObject().put("ok", true).put("model", bundle.manifest().name() + " "
                    + bundle.manifest().version()).put("provider", m.detector().provider().name()).put("runs", runs)
                    .put("width", width).put("height", height).put("medianMs", ms[runs / 2])
                    .put("p90Ms", ms[(int) Math.round(0.9 * (runs - 1))]);
        } catch (ai.onnxruntime.OrtException e) {
            throw new BundleException(bundle + ": benchmark run failed: " + e.getMessage(), e);
        }
    }

    private static int integer(JsonObject request, String key, int fallback, int min, int max)
            throws BundleException {
        Object v = request.getValue(key);
        if (v == null) {
            return fallback;
        }
        if (!(v instanceof Integer i) || i < min || i > max) {
            throw new BundleException("cmd/benchmark: '" + key + "' must be an integer in [" + min + ", " + max
                    + "], got " + v);
        }
        return i;
    }
}
