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
 * the first that works is logged. Not thread-safe: one instance per inference thread.
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
    private final Preprocessor pre = new Preprocessor();

    /**
     * @param model the ONNX graph's bytes
     * @param classes number of classes the graph predicts
     * @param threads intra-op threads for the CPU provider
     */
    public OrtDetector(byte[] model, int classes, List<Provider> providers, int threads, CenterNetDecoder decoder)
            throws OrtException {
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
                    case TENSORRT -> o.addTensorrt(0);
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

    /** Detects defects in one packed-BGR frame; boxes are in the frame's pixels. */
    public List<Detection> detect(byte[] bgr, int width, int height) throws OrtException {
        float[] input = pre.apply(bgr, width, height);
        int pw = Preprocessor.aligned(width);
        int ph = Preprocessor.aligned(height);
        try (OnnxTensor in = OnnxTensor.createTensor(env, FloatBuffer.wrap(input), new long[] {1, 3, ph, pw});
                OrtSession.Result r = session.run(Map.of(DetectorOutputs.INPUT, in))) {
            int h = ph / DetectorOutputs.STRIDE;
            int w = pw / DetectorOutputs.STRIDE;
            return decoder.decode(floats(r, DetectorOutputs.HEATMAP), floats(r, DetectorOutputs.SIZE),
                    floats(r, DetectorOutputs.OFFSET), classes, h, w, 1.0, width, height);
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
