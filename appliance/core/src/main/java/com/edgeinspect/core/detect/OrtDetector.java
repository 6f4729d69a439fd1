package com.edgeinspect.core.detect;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs an exported detector with ONNX Runtime on whole frames: preprocess (full resolution, padded), infer, decode.
 * Execution providers are tried in the order given (e.g. TensorRT, CUDA, CPU); a provider whose libraries are
 * missing fails when added, not when listed by {@code getAvailableProviders()}, so each is added inside a try and
 * the first that works is logged. Thread-safe: ONNX Runtime sessions run concurrently and each calling thread gets its own input buffer.
 */
public final class OrtDetector implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(OrtDetector.class);

    /** Execution providers, fastest first. */
    public enum Provider { TENSORRT, CUDA, CPU }

    private final OrtEnvironment env = OrtEnvironment.getEnvironment();
    private final OrtSession session;
    private final Provider provider;
    private final int classes;
    private final CenterNetDecoder decoder;
    /**
     * One input buffer per calling thread, shared by every detector: a session runs concurrently, a buffer must not.
     * Static on purpose: a per-detector ThreadLocal left each stream thread holding a dead model's 25 MB buffer after
     * every model swap (a thread's map keeps values of collected ThreadLocals until it happens to clean them).
     */
    private static final ThreadLocal<Preprocessor> PRE = ThreadLocal.withInitial(Preprocessor::new);

    /**
     * @param model the ONNX graph's bytes
     * @param classes number of classes the graph predicts
     * @param threads intra-op threads for the CPU provider
     */
    public OrtDetector(byte[] model, int classes, List<Provider> providers, int threads, CenterNetDecoder decoder)
            throws OrtException {
        this(model, classes, providers, threads, Map.of(), decoder);
    }

    /**
     * @param tensorrt TensorRT provider options (e.g. {@code trt_fp16_enable}, {@code trt_engine_cache_path}); empty
     *     for its defaults
     */
    public OrtDetector(byte[] model, int classes, List<Provider> providers, int threads, Map<String, String> tensorrt,
            CenterNetDecoder decoder) throws OrtException {
        this.classes = classes;
        this.decoder = decoder;
        OrtSession s = null;
        Provider used = null;
        List<String> failures = new ArrayList<>();
        for (Provider p : providers) {
            try (OrtSession.SessionOptions o = new OrtSession.SessionOptions()) {
                o.setIntraOpNumThreads(threads);
                o.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
                switch (p) {
                    case TENSORRT -> {
                        var trt = new ai.onnxruntime.providers.OrtTensorRTProviderOptions(0);
                        for (Map.Entry<String, String> e : tensorrt.entrySet()) {
                            trt.add(e.getKey(), e.getValue());
                        }
                        o.addTensorrt(trt);
                    }
                    case CUDA -> o.addCUDA(0);
                    case CPU -> { }
                }
                s = env.createSession(model, o);
                used = p;
                break;
            } catch (OrtException | RuntimeException e) {
                failures.add(p + ": " + e.getMessage());
            }
        }
        if (s == null) {
            throw new OrtException("no execution provider could run the model: " + failures);
        }
        if (!failures.isEmpty()) {
            LOG.warn("execution providers unavailable, fell back: {}", failures);
        }
        LOG.info("detector runs on {}", used);
        this.session = s;
        this.provider = used;
    }

    public Provider provider() {
        return provider;
    }

    /** Detects defects in one packed-BGR frame; boxes are in the frame's pixels. Thread-safe. */
    public List<Detection> detect(byte[] bgr, int width, int height) throws OrtException {
        return detect(bgr, width, 0, 0, width, height, decoder);
    }

    /**
     * Detects defects in the {@code width x height} region at ({@code x0}, {@code y0}) of a frame
     * {@code frameWidth} pixels wide, decoding with {@code decoder}; boxes are in the frame's pixels. Thread-safe.
     */
    public List<Detection> detect(byte[] bgr, int frameWidth, int x0, int y0, int width, int height,
            CenterNetDecoder decoder) throws OrtException {
        FloatBuffer input = PRE.get().apply(bgr, frameWidth, x0, y0, width, height);
        int pw = Preprocessor.aligned(width);
        int ph = Preprocessor.aligned(height);
        try (OnnxTensor in = OnnxTensor.createTensor(env, input, new long[] {1, 3, ph, pw});
                OrtSession.Result r = session.run(Map.of(DetectorOutputs.INPUT, in))) {
            int h = ph / DetectorOutputs.STRIDE;
            int w = pw / DetectorOutputs.STRIDE;
            List<Detection> found = decoder.decode(floats(r, DetectorOutputs.HEATMAP), floats(r, DetectorOutputs.SIZE),
                    floats(r, DetectorOutputs.OFFSET), classes, h, w, 1.0, width, height);
            if (x0 == 0 && y0 == 0) {
                return found;
            }
            List<Detection> shifted = new ArrayList<>(found.size());
            for (Detection d : found) {
                var b = d.box();
                shifted.add(new Detection(d.classId(), new com.edgeinspect.core.dataset.Box(b.x1() + x0, b.y1() + y0,
                        b.x2() + x0, b.y2() + y0), d.score()));
            }
            return shifted;
        }
    }

    /** The graph's inputs by name, with element types and shapes (-1 for a dynamic dimension). */
    public Map<String, ai.onnxruntime.NodeInfo> inputs() throws OrtException {
        return session.getInputInfo();
    }

    public Map<String, ai.onnxruntime.NodeInfo> outputs() throws OrtException {
        return session.getOutputInfo();
    }

    /** Runs the graph on one raw input tensor; returns every output by name (smoke tests, golden data). */
    public Map<String, float[]> raw(float[] input, long[] shape) throws OrtException {
        try (OnnxTensor in = OnnxTensor.createTensor(env, FloatBuffer.wrap(input), shape);
                OrtSession.Result r = session.run(Map.of(DetectorOutputs.INPUT, in))) {
            Map<String, float[]> out = new java.util.LinkedHashMap<>();
            for (Map.Entry<String, ai.onnxruntime.OnnxValue> e : r) {
                out.put(e.getKey(), floats(r, e.getKey()));
            }
            return out;
        }
    }

    private static float[] floats(OrtSession.Result r, String name) throws OrtException {
        OnnxTensor t = (OnnxTensor) r.get(name).orElseThrow(() -> new IllegalStateException("model has no output " + name));
        FloatBuffer b = t.getFloatBuffer();
        float[] out = new float[b.remaining()];
        b.get(out);
        return out;
    }

    @Override
    public void close() throws OrtException {
        session.close();
    }
}
