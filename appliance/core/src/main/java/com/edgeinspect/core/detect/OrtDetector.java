package com.edgeinspect.core.detect;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import com.edgeinspect.core.dataset.Box;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
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

    /**
     * Intra-op threads sleep when a run ends instead of spinning for more work: spinning threads take cycles from
     * whatever runs next on a box of few cores (decoders, other streams, another session). One stream on two cores
     * showed no difference either way; two sessions run in turn were slowed from 44 to 77 ms (BENCHMARKS.md).
     */
    public static final String ALLOW_SPINNING = "session.intra_op.allow_spinning";

    /**
     * An output tensor's own memory as a direct buffer: ONNX Runtime 1.16's public getters copy every output into the
     * Java heap (5 MB at 1080p, 1-7 ms a frame with the G1 cycles those humongous arrays start; BENCHMARKS.md), its
     * private {@code getBuffer()} does not. Null where an ONNX Runtime without it runs: outputs are copied then.
     */
    private static final MethodHandle IN_PLACE = inPlace();

    /** Execution providers, fastest first. */
    public enum Provider { TENSORRT, CUDA, CPU }

    private final OrtEnvironment env = OrtEnvironment.getEnvironment();
    /** The whole graph, or the first graph of an early-exit model. */
    private final OrtSession session;
    /** The second graph of an early-exit model, else null. */
    private final OrtSession stageTwo;
    /** The first graph's outputs the second one takes, beside the region. */
    private final List<String> features;
    private final float gateThreshold;
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
     * The input shapes this detector has run: a shape's first run is slow (allocations; on TensorRT an engine is
     * built for it, minutes on a Jetson), and the appliance's watchdog must tell that from a stuck pipeline.
     */
    private final Set<String> shapesRun = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /** An early-exit model's two graphs (see {@link DetectorOutputs}) and the gate score below which frames exit. */
    public record Stages(byte[] one, byte[] two, float threshold) {}

    /**
     * What one frame gave: its detections, and where they were looked for: the whole frame without early exit, the
     * gate's region with it, null when the frame left at the gate.
     *
     * @param computed the share of the frame the second graph (or the whole graph) computed on: the region, or more
     *     where the graph widens it to see what lies around it ({@link DetectorOutputs#COMPUTED}); 0 at an exit
     */
    public record Found(List<Detection> detections, Region region, double computed) {

        public boolean exited() {
            return region == null;
        }
    }

    /**
     * @param model the ONNX graph's bytes
     * @param classes number of classes the graph predicts
     * @param threads intra-op threads for the CPU provider
     */
    public OrtDetector(byte[] model, int classes, List<Provider> providers, int threads, CenterNetDecoder decoder)
            throws OrtException {
        this(model, null, classes, providers, threads, Map.of(), decoder);
    }

    /**
     * @param model the whole graph; unused when {@code stages} is given
     * @param stages null, or the early-exit form to run instead of the whole graph
     * @param tensorrt TensorRT provider options (e.g. {@code trt_fp16_enable}, {@code trt_engine_cache_path}); empty
     *     for its defaults
     */
    public OrtDetector(byte[] model, Stages stages, int classes, List<Provider> providers, int threads,
            Map<String, String> tensorrt, CenterNetDecoder decoder) throws OrtException {
        this.classes = classes;
        this.decoder = decoder;
        List<String> failures = new ArrayList<>();
        OrtSession s = null;
        Provider used = null;
        for (Provider p : providers) {
            try {
                s = open(stages == null ? model : stages.one(), p, threads, tensorrt);
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
        this.session = s;
        this.provider = used;
        try {
            this.stageTwo = stages == null ? null : open(stages.two(), used, threads, tensorrt);
            this.features = stages == null ? List.of() : checkStages();
        } catch (OrtException | RuntimeException e) {
            close();
            throw e;
        }
        this.gateThreshold = stages == null ? Float.NaN : stages.threshold();
        LOG.info("detector runs on {}{}", used, stages == null ? "" : ", early exit below gate " + stages.threshold());
    }

    private OrtSession open(byte[] graph, Provider p, int threads, Map<String, String> tensorrt) throws OrtException {
        try (OrtSession.SessionOptions o = new OrtSession.SessionOptions()) {
            o.setIntraOpNumThreads(threads);
            o.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            o.addConfigEntry(ALLOW_SPINNING, "0");
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
            return env.createSession(graph, o);
        }
    }

    /**
     * The features the second graph takes: the first graph must give the gate's map and every one of them, and the
     * second take the region and some of {@link DetectorOutputs#FEATURES} (all three, or the first stage's alone).
     */
    private List<String> checkStages() throws OrtException {
        Set<String> given = session.getOutputNames();
        Set<String> taken = new java.util.TreeSet<>(stageTwo.getInputNames());
        if (!given.contains(DetectorOutputs.GATE_CELLS) || !taken.remove(DetectorOutputs.REGION) || taken.isEmpty()
                || !DetectorOutputs.FEATURES.containsAll(taken) || !given.containsAll(taken)) {
            throw new OrtException("early exit: the first graph must output " + DetectorOutputs.GATE_CELLS
                    + " and the features the second takes, the second take " + DetectorOutputs.REGION
                    + " and some of " + DetectorOutputs.FEATURES + "; the first outputs " + given
                    + ", the second takes " + stageTwo.getInputNames());
        }
        return List.copyOf(taken);
    }

    public Provider provider() {
        return provider;
    }

    /** The gate score below which frames skip the second graph; NaN without early exit. */
    public float gateThreshold() {
        return gateThreshold;
    }

    /** Detects defects in one packed-BGR frame; boxes are in the frame's pixels. Thread-safe. */
    public List<Detection> detect(byte[] bgr, int width, int height) throws OrtException {
        return detect(bgr, width, 0, 0, width, height, decoder).detections();
    }

    /**
     * Detects defects in the {@code width x height} region at ({@code x0}, {@code y0}) of a frame
     * {@code frameWidth} pixels wide, decoding with {@code decoder}; boxes are in the frame's pixels. Thread-safe.
     */
    public Found detect(byte[] bgr, int frameWidth, int x0, int y0, int width, int height, CenterNetDecoder decoder)
            throws OrtException {
        return detect(bgr, frameWidth, x0, y0, width, height, decoder, gateThreshold);
    }

    /**
     * As {@link #detect(byte[], int, int, int, int, int, CenterNetDecoder)}, with an early-exit model's gate at
     * {@code gate} instead of its bundle's threshold (ignored without early exit).
     */
    public Found detect(byte[] bgr, int frameWidth, int x0, int y0, int width, int height, CenterNetDecoder decoder,
            float gate) throws OrtException {
        FloatBuffer input = PRE.get().apply(bgr, frameWidth, x0, y0, width, height);
        int pw = Preprocessor.aligned(width);
        int ph = Preprocessor.aligned(height);
        int rows = ph / DetectorOutputs.ALIGN;
        int columns = pw / DetectorOutputs.ALIGN;
        long[] shape = Preprocessor.shape(width, height);
        try (OrtSession.Result r = first(input, shape)) {
            if (stageTwo == null) {
                Region frame = Region.whole(rows, columns);
                return new Found(decode(r, decoder, x0, y0, width, height, frame), frame, 1);
            }
            Region region = Region.of(inPlace(r, DetectorOutputs.GATE_CELLS), rows, columns, gate);
            if (region == null) {
                return new Found(List.of(), null, 0);
            }
            try (OrtSession.Result r2 = second(r, region)) {
                return new Found(decode(r2, decoder, x0, y0, width, height, region), region, computed(r2, region));
            }
        }
    }

    /** True once the (first) graph has run at this input shape, in {@link #detect} or {@link #raw}. */
    public boolean ran(long[] shape) {
        return shapesRun.contains(Arrays.toString(shape));
    }

    /** The share of the frame the second graph computed on: what it says, else the region. */
    private static double computed(OrtSession.Result second, Region region) throws OrtException {
        var cells = second.get(DetectorOutputs.COMPUTED);
        if (cells.isEmpty()) {
            return region.share();
        }
        long[] c = (long[]) cells.get().getValue();
        return (double) (c[2] - c[0]) * (c[3] - c[1]) / ((double) region.rows() * region.columns());
    }

    /** Runs the second graph on the first one's features in {@code region}; the caller closes the result. */
    private OrtSession.Result second(OrtSession.Result first, Region region) throws OrtException {
        try (OnnxTensor where = OnnxTensor.createTensor(env, region.input())) {
            Map<String, OnnxTensor> in = new java.util.HashMap<>();
            for (String f : features) {
                in.put(f, (OnnxTensor) first.get(f).orElseThrow()); // still in native memory: no copy into Java
            }
            in.put(DetectorOutputs.REGION, where);
            return stageTwo.run(in);
        }
    }

    /** Detections in {@code region} of the {@code width x height} image at ({@code x0}, {@code y0}), frame pixels. */
    private List<Detection> decode(OrtSession.Result r, CenterNetDecoder decoder, int x0, int y0, int width,
            int height, Region region) throws OrtException {
        List<Detection> found = decoder.decode(inPlace(r, DetectorOutputs.HEATMAP), inPlace(r, DetectorOutputs.SIZE),
                inPlace(r, DetectorOutputs.OFFSET), classes, region.outputHeight(), region.outputWidth(), 1.0,
                Integer.MAX_VALUE, Integer.MAX_VALUE);
        List<Detection> placed = new ArrayList<>(found.size());
        for (Detection d : found) {
            var b = d.box();
            double cx = region.x() + (b.x1() + b.x2()) / 2;
            double cy = region.y() + (b.y1() + b.y2()) / 2;
            var clipped = new Box(b.x1() + region.x(), b.y1() + region.y(),
                    b.x2() + region.x(), b.y2() + region.y()).clip(width, height);
            if (clipped != null && region.inside(cx, cy)) {
                placed.add(new Detection(d.classId(), new Box(clipped.x1() + x0,
                        clipped.y1() + y0, clipped.x2() + x0, clipped.y2() + y0), d.score()));
            }
        }
        return placed;
    }

    /** The graph's inputs by name, with element types and shapes (-1 for a dynamic dimension). */
    public Map<String, ai.onnxruntime.NodeInfo> inputs() throws OrtException {
        return session.getInputInfo();
    }

    /** The detector's outputs by name (of the second graph, with early exit). */
    public Map<String, ai.onnxruntime.NodeInfo> outputs() throws OrtException {
        return (stageTwo != null ? stageTwo : session).getOutputInfo();
    }

    /**
     * Runs the model on one raw input tensor, both graphs of an early-exit model whatever the gate says; returns every
     * output by name (smoke tests, golden data).
     */
    public Map<String, float[]> raw(float[] input, long[] shape) throws OrtException {
        return raw(FloatBuffer.wrap(input), shape);
    }

    /**
     * As {@link #raw(float[], long[])}. ONNX Runtime reads a direct, native-order buffer (what {@link Preprocessor}
     * gives) in place and copies any other into a new direct buffer first (about 70 ms for a 1080p input here).
     */
    public Map<String, float[]> raw(FloatBuffer input, long[] shape) throws OrtException {
        Map<String, float[]> out = new java.util.LinkedHashMap<>();
        try (OrtSession.Result r = first(input, shape)) {
            all(r, out);
            if (stageTwo != null) {
                try (OrtSession.Result r2 = second(r, Region.whole((int) shape[2] / DetectorOutputs.ALIGN,
                        (int) shape[3] / DetectorOutputs.ALIGN))) {
                    all(r2, out);
                }
            }
        }
        return out;
    }

    private static void all(OrtSession.Result r, Map<String, float[]> out) throws OrtException {
        for (Map.Entry<String, ai.onnxruntime.OnnxValue> e : r) {
            if (e.getValue() instanceof OnnxTensor t && t.getInfo().type == ai.onnxruntime.OnnxJavaType.FLOAT) {
                out.put(e.getKey(), floats(r, e.getKey()));
            }
        }
    }

    /**
     * Runs the (first) graph on a preprocessed input, its outputs left where ONNX Runtime holds them, as {@link #detect}
     * reads them: what ONNX Runtime alone costs the detector (benchmarks).
     */
    public void infer(FloatBuffer input, long[] shape) throws OrtException {
        first(input, shape).close();
    }

    /**
     * Runs the (first) graph on a preprocessed input and notes its shape as run; the caller closes the result. The
     * input tensor only wraps {@code input} and is not needed once the run returns.
     */
    private OrtSession.Result first(FloatBuffer input, long[] shape) throws OrtException {
        try (OnnxTensor in = OnnxTensor.createTensor(env, input, shape)) {
            OrtSession.Result r = session.run(Map.of(DetectorOutputs.INPUT, in));
            shapesRun.add(Arrays.toString(shape));
            return r;
        }
    }

    private static MethodHandle inPlace() {
        try {
            return MethodHandles.privateLookupIn(OnnxTensor.class, MethodHandles.lookup())
                    .findVirtual(OnnxTensor.class, "getBuffer", MethodType.methodType(ByteBuffer.class));
        } catch (ReflectiveOperationException | RuntimeException e) {
            LOG.warn("this ONNX Runtime's outputs cannot be read in place ({}): each is copied into the Java heap",
                    e.toString());
            return null;
        }
    }

    /** Whether outputs are read where ONNX Runtime holds them (else copied). */
    static boolean readsInPlace() {
        return IN_PLACE != null;
    }

    /** A float output read where ONNX Runtime holds it: valid only until {@code r} is closed, so never kept. */
    private static FloatBuffer inPlace(OrtSession.Result r, String name) throws OrtException {
        OnnxTensor t = tensor(r, name);
        if (IN_PLACE == null) {
            return t.getFloatBuffer();
        }
        try {
            return ((ByteBuffer) IN_PLACE.invokeExact(t)).asFloatBuffer();
        } catch (Throwable e) {
            throw new IllegalStateException("reading output " + name + " in place", e);
        }
    }

    private static OnnxTensor tensor(OrtSession.Result r, String name) {
        return (OnnxTensor) r.get(name).orElseThrow(() -> new IllegalStateException("model has no output " + name));
    }

    private static float[] floats(OrtSession.Result r, String name) throws OrtException {
        FloatBuffer b = tensor(r, name).getFloatBuffer(); // a fresh copy on the Java heap: its array is ours
        if (b.hasArray() && b.arrayOffset() == 0 && b.position() == 0 && b.remaining() == b.array().length) {
            return b.array();
        }
        float[] out = new float[b.remaining()];
        b.get(out);
        return out;
    }

    @Override
    public void close() throws OrtException {
        session.close();
        if (stageTwo != null) {
            stageTwo.close();
        }
    }
}
