package com.edgeinspect.trainer.eval;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import com.edgeinspect.core.detect.DetectorOutputs;
import com.edgeinspect.core.detect.OrtDetector;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * ONNX Runtime CPU latency of several models measured round robin, one inference of each per round, so that a
 * shared, noisy machine slows them all alike and their ratios stay fair.
 */
public final class Latency {

    private Latency() {}

    /** Milliseconds per inference: median and 90th percentile over the rounds. */
    public record Result(double medianMs, double p90Ms) {}

    /** A progress callback, called after each round. */
    public interface Progress {
        void round(int done);
    }

    public static List<Result> measure(List<byte[]> models, int height, int width, int threads, int warmup, int rounds,
            Progress progress) throws OrtException {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        List<OrtSession> sessions = new ArrayList<>();
        try (OrtSession.SessionOptions o = options(threads); OnnxTensor input = input(env, height, width)) {
            for (byte[] m : models) {
                sessions.add(env.createSession(m, o));
            }
            double[][] ms = new double[models.size()][rounds];
            for (int round = -warmup; round < rounds; round++) {
                for (int k = 0; k < sessions.size(); k++) {
                    long t0 = System.nanoTime();
                    try (OrtSession.Result out = sessions.get(k).run(Map.of(DetectorOutputs.INPUT, input))) {
                        if (round >= 0) {
                            ms[k][round] = (System.nanoTime() - t0) / 1e6;
                        }
                    }
                }
                if (round >= 0) {
                    progress.round(round + 1);
                }
            }
            List<Result> results = new ArrayList<>();
            for (double[] m : ms) {
                Arrays.sort(m);
                results.add(new Result(m[m.length / 2], m[(int) Math.min(m.length - 1, Math.round(0.9 * (m.length - 1)))]));
            }
            return results;
        } finally {
            for (OrtSession s : sessions) {
                s.close();
            }
        }
    }

    /**
     * Where one model's time goes: ONNX Runtime's own profiler over {@code runs} inferences (after one untimed),
     * kernel time per operator type in milliseconds per inference, largest first. Profiling slows the run, so these
     * are shares, not latencies.
     */
    public static Map<String, Double> profile(byte[] model, int height, int width, int threads, int runs)
            throws OrtException, java.io.IOException {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("ort-profile");
        String file;
        try (OrtSession.SessionOptions o = options(threads); OnnxTensor input = input(env, height, width)) {
            o.enableProfiling(dir.resolve("model").toString());
            try (OrtSession s = env.createSession(model, o)) {
                for (int i = 0; i <= runs; i++) {
                    s.run(Map.of(DetectorOutputs.INPUT, input)).close();
                }
                file = s.endProfiling();
            }
        }
        Map<String, Double> byOp = new java.util.HashMap<>();
        int seen = 0;
        for (var e : new com.fasterxml.jackson.databind.ObjectMapper().readTree(new java.io.File(file))) {
            if ("Session".equals(e.path("cat").asText()) && "model_run".equals(e.path("name").asText())) {
                seen++;
            } else if (seen > 1 && "Node".equals(e.path("cat").asText())
                    && e.path("name").asText().endsWith("_kernel_time")) {
                byOp.merge(e.path("args").path("op_name").asText(), e.path("dur").asDouble() / 1000 / runs,
                        Double::sum);
            }
        }
        java.nio.file.Files.deleteIfExists(java.nio.file.Path.of(file));
        java.nio.file.Files.deleteIfExists(dir);
        Map<String, Double> sorted = new java.util.LinkedHashMap<>();
        byOp.entrySet().stream().sorted(Map.Entry.<String, Double>comparingByValue().reversed())
                .forEach(e -> sorted.put(e.getKey(), e.getValue()));
        return sorted;
    }

    private static OrtSession.SessionOptions options(int threads) throws OrtException {
        OrtSession.SessionOptions o = new OrtSession.SessionOptions();
        o.setIntraOpNumThreads(threads);
        o.setInterOpNumThreads(1);
        // Without this, the threads of the session that ran last spin on and slow the next one down (measured
        // 77 ms instead of 44 for the same model): the round robin would measure its neighbours.
        o.addConfigEntry(OrtDetector.ALLOW_SPINNING, "0");
        return o;
    }

    /** Normally distributed pixels: the arithmetic does not depend on them. */
    private static OnnxTensor input(OrtEnvironment env, int height, int width) throws OrtException {
        float[] pixels = new float[3 * height * width];
        Random r = new Random(1);
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (float) r.nextGaussian();
        }
        return OnnxTensor.createTensor(env, FloatBuffer.wrap(pixels), new long[] {1, 3, height, width});
    }
}
