package com.edgeinspect.appliance;

import com.edgeinspect.appliance.alert.AlertPolicy;
import com.edgeinspect.appliance.alert.AlertSink;
import com.edgeinspect.appliance.config.ApplianceConfig;
import com.edgeinspect.appliance.detect.Zones;
import com.edgeinspect.appliance.install.Shadow;
import com.edgeinspect.appliance.metrics.Metrics;
import com.edgeinspect.appliance.metrics.RecentMax;
import com.edgeinspect.appliance.model.ActiveModel;
import com.edgeinspect.appliance.model.LoadedModel;
import com.edgeinspect.appliance.publish.Jpeg;
import com.edgeinspect.appliance.source.FrameSource;
import com.edgeinspect.appliance.source.FrameBuffer;
import com.edgeinspect.appliance.source.StreamState;
import com.edgeinspect.appliance.systemd.Progress;
import com.edgeinspect.appliance.track.Track;
import com.edgeinspect.appliance.track.Tracker;
import com.edgeinspect.core.alert.AlertEvent;
import com.edgeinspect.core.bundle.Manifest;
import com.edgeinspect.core.detect.CenterNetDecoder;
import com.edgeinspect.core.detect.Detection;
import com.edgeinspect.core.detect.OrtDetector;
import com.edgeinspect.core.detect.Preprocessor;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One stream end to end: its decoder thread, and the worker that takes the newest frame and runs it through the
 * stages in order: detect (region of interest, active model) → zones → track → alert policy → sink. The model is
 * held for exactly one frame, so a swapped model takes over between two frames.
 */
final class StreamRunner implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(StreamRunner.class);
    /** Live view: at most this many pictures per second, half resolution. */
    private static final long VIEW_INTERVAL_NANOS = 200_000_000L;

    private final ApplianceConfig.Stream config;
    private final FrameSource source;
    private final ActiveModel model;
    private final Zones zones;
    private final Tracker tracker;
    private final AlertPolicy policy;
    private final AlertSink sink;
    private final Clock clock;
    private final Metrics.Stream meters;
    private final Thread worker;
    private final AtomicLong viewers = new AtomicLong();
    private volatile byte[] view;
    private long lastView;
    private volatile double lastLatencyMs;
    private volatile double lastInferenceMs;
    private volatile String lastError;
    private volatile int openAlerts;
    private volatile boolean running = true;
    /** Longest pause between two processed frames over the last 10 s (a swap must not show here). */
    private final RecentMax gaps = new RecentMax(10);
    private long lastFrameNanos;
    private volatile long[] inputShape;
    /** When the frame in progress started, if it is the first at its input shape for its model; else -1. */
    private volatile long firstAtShape = -1;
    /** The model version and shape of the last first frame announced in the log. */
    private String announced;
    private volatile Shadow shadow;
    private CenterNetDecoder decoder;
    private float decoderThreshold = Float.NaN;

    StreamRunner(ApplianceConfig config, ApplianceConfig.Stream stream, ActiveModel model, Metrics metrics,
            AlertSink sink, Clock clock) {
        this.config = stream;
        this.clock = clock;
        this.source = FrameSource.of(stream);
        this.model = model;
        this.zones = new Zones(stream.zones());
        this.tracker = new Tracker(config.tracking().settings(), Manifest.MAX_CLASSES);
        this.policy = new AlertPolicy(config.alerts().settings(), config.device().id(), stream.name(), zones::nameAt);
        this.sink = sink;
        this.meters = metrics.stream(stream.name(), () -> source.frames().dropped());
        this.worker = new Thread(this::work, "frames-" + stream.name());
        this.worker.setDaemon(true);
    }

    StreamRunner start() {
        source.start();
        worker.start();
        return this;
    }

    private void work() {
        while (running) {
            FrameBuffer f;
            try {
                f = source.frames().take(1, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                return;
            }
            if (f == null) {
                continue;
            }
            try (ActiveModel.Use use = model.use()) {
                process(f, use.model());
                lastError = null;
            } catch (Exception e) {
                if (lastError == null) {
                    LOG.error("stream {}: frame {} failed: {}", config.name(), f.sequence(), e.toString());
                }
                lastError = e.toString();
            } finally {
                source.frames().release(f);
            }
        }
    }

    private void process(FrameBuffer f, LoadedModel m) throws Exception {
        long t0 = System.nanoTime();
        ApplianceConfig.Rect region = config.region(f.width(), f.height());
        OrtDetector.Found result = detect(f, m, region, t0);
        List<Detection> raw = result.detections();
        if (result.exited()) {
            meters.exits().increment();
        } else {
            meters.stageTwo().increment(result.computed());
        }
        Shadow s = shadow;
        if (s != null && s.wants(f.sequence())) {
            s.offer(f.bgr().clone(), f.width(), region.x(), region.y(), region.width(), region.height(), raw);
        }
        List<Detection> found = zones.filter(raw);
        long t1 = System.nanoTime();
        Tracker.Step step = tracker.update(f.sequence(), found);
        double alertThreshold = config.alertThreshold(m.bundle().manifest().thresholds());
        List<AlertEvent> events = policy.update(f.sequence(), Instant.now(clock), step,
                new AlertPolicy.Model(m.version(), m.classes(), alertThreshold));
        if (!events.isEmpty()) {
            sink.accept(events, e -> Jpeg.snapshot(f.bgr(), f.width(), f.height(),
                    new Jpeg.Mark(e.box(), e.className() + String.format(Locale.ROOT, " %.2f", e.score())), 85),
                    f.decodedNanos());
        }
        long t2 = System.nanoTime();
        meters.decode().record(f.decodeNanos(), TimeUnit.NANOSECONDS);
        meters.inference().record(t1 - t0, TimeUnit.NANOSECONDS);
        meters.endToEnd().record(t2 - f.decodedNanos(), TimeUnit.NANOSECONDS);
        meters.frames().increment();
        if (lastFrameNanos != 0) {
            gaps.record((t2 - lastFrameNanos) / 1e6, t2);
        }
        lastFrameNanos = t2;
        lastInferenceMs = (t1 - t0) / 1e6;
        lastLatencyMs = (t2 - f.decodedNanos()) / 1e6;
        openAlerts = policy.openAlerts();
        if (viewers.get() > 0 && t2 - lastView >= VIEW_INTERVAL_NANOS) {
            lastView = t2;
            view = Jpeg.frame(f.bgr(), f.width(), f.height(), marks(m, f.sequence()), 0.5, 70);
        }
    }

    /**
     * Runs the model on the frame's region. A first frame at a shape the model has not run is announced and, while it
     * runs, shown to the watchdog ({@link #progress}): on TensorRT it builds an engine.
     */
    private OrtDetector.Found detect(FrameBuffer f, LoadedModel m, ApplianceConfig.Rect region, long t0)
            throws Exception {
        long[] shape = shape(region.width(), region.height());
        inputShape = shape;
        boolean first = !m.detector().ran(shape);
        if (first) {
            announce(m, shape);
        }
        firstAtShape = first ? t0 : -1;
        try {
            OrtDetector.Found found = m.detector().detect(f.bgr(), f.width(), region.x(), region.y(), region.width(),
                    region.height(), decoder(m), config.gateThreshold(m.detector().gateThreshold()));
            if (first) {
                LOG.info("stream {}: first frame at {} took {} ms", config.name(), Arrays.toString(shape),
                        (System.nanoTime() - t0) / 1_000_000);
            }
            return found;
        } finally {
            firstAtShape = -1;
        }
    }

    /** Logs a first frame at a shape new to the model, once: not on every frame of a model that fails at it. */
    private void announce(LoadedModel m, long[] shape) {
        String what = m.version() + " " + Arrays.toString(shape);
        if (what.equals(announced)) {
            return;
        }
        announced = what;
        LOG.info("stream {}: first frame at input shape {}, not warmed for model {} {}{}", config.name(),
                Arrays.toString(shape), m.name(), m.version(),
                m.detector().provider() == OrtDetector.Provider.TENSORRT ? ": building its TensorRT engine (minutes "
                        + "on a Jetson; the watchdog waits up to " + Progress.BUILD_LIMIT.toMinutes() + " min)" : "");
    }

    private long[] shape(int w, int h) {
        long[] s = inputShape;
        return s != null && s[2] == Preprocessor.aligned(h) && s[3] == Preprocessor.aligned(w) ? s
                : Preprocessor.shape(w, h);
    }

    /** A candidate model to run beside the serving one on sampled frames, or null. */
    void shadow(Shadow s) {
        shadow = s;
    }

    /** The model input shape this stream's frames make; before its first frame, a 1080p camera's. */
    long[] inputShape() {
        long[] s = inputShape;
        return s != null ? s : expectedShape(config);
    }

    /** The model input shape a 1080p camera gives {@code stream}: its region of interest, else the whole frame. */
    static long[] expectedShape(ApplianceConfig.Stream stream) {
        ApplianceConfig.Rect r = stream.region(1920, 1080);
        return Preprocessor.shape(r.width(), r.height());
    }

    /** What the watchdog judges this stream by. */
    Progress.Stream progress() {
        long since = firstAtShape;
        return new Progress.Stream(config.name(), delivering(), processed(), since < 0 ? -1 : System.nanoTime() - since);
    }

    /** Frames run through the detector so far. */
    long processed() {
        return (long) meters.frames().count();
    }

    /** True while the source says it delivers frames (not reconnecting, not ended). */
    boolean delivering() {
        return source.state() == StreamState.RUNNING;
    }

    /** The last frame's error while the source runs (a model that fails on live frames), else null. */
    String frameError() {
        return source.state() == StreamState.RUNNING ? lastError : null;
    }

    double lastInferenceMs() {
        return lastInferenceMs;
    }

    /** The decoder at this stream's threshold, remade only when the model's default or the override changes. */
    private CenterNetDecoder decoder(LoadedModel m) {
        float t = (float) config.detectionThreshold(m.bundle().manifest().thresholds());
        if (t != decoderThreshold) {
            decoder = new CenterNetDecoder(t, 100);
            decoderThreshold = t;
        }
        return decoder;
    }

    /** The tracks seen in this frame, boxed and labelled with their id and class. */
    private List<Jpeg.Mark> marks(LoadedModel m, long sequence) {
        List<Jpeg.Mark> out = new ArrayList<>();
        for (Track t : tracker.tracks()) {
            if (t.lastSeen() == sequence) {
                String name = t.classId() < m.classes().size() ? m.classes().get(t.classId()) : "?";
                out.add(new Jpeg.Mark(t.box(), "#" + t.id() + " " + name));
            }
        }
        return out;
    }

    /** The latest live picture (JPEG), or null when nobody watches. */
    byte[] view() {
        return view;
    }

    /** A live-view client connected (+1) or left (-1); pictures are only made while someone watches. */
    void watching(int delta) {
        viewers.addAndGet(delta);
    }

    String name() {
        return config.name();
    }

    /** True while frames flow: the readiness and watchdog signal for this stream. */
    boolean healthy() {
        return source.state() == StreamState.RUNNING && lastError == null;
    }

    Map<String, Object> status() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", source.name());
        m.put("state", source.state().name().toLowerCase(Locale.ROOT));
        m.put("width", source.width());
        m.put("height", source.height());
        m.put("sourceFps", source.fps());
        m.put("decoded", source.decoded());
        m.put("processed", (long) meters.frames().count());
        m.put("earlyExits", (long) meters.exits().count());
        if (config.gateThreshold() != null) {
            m.put("gateThreshold", config.gateThreshold());
        }
        m.put("dropped", source.frames().dropped());
        m.put("failures", source.failures());
        m.put("lastError", lastError != null ? lastError : source.lastError());
        m.put("inferenceMs", Math.round(lastInferenceMs * 10) / 10.0);
        m.put("latencyMs", Math.round(lastLatencyMs * 10) / 10.0);
        m.put("maxGapMs", Math.round(gaps.get(System.nanoTime()) * 10) / 10.0);
        m.put("openAlerts", openAlerts);
        return m;
    }

    @Override
    public void close() throws InterruptedException {
        // Let the worker finish its frame: interrupting it mid-write would lose the alert it is storing.
        running = false;
        source.close();
        worker.join(5000);
        if (worker.isAlive()) {
            worker.interrupt();
            worker.join(1000);
        }
    }
}
