package com.edgeinspect.appliance;

import com.edgeinspect.appliance.config.ApplianceConfig;
import com.edgeinspect.appliance.source.FfmpegSource;
import com.edgeinspect.appliance.source.FrameBuffer;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One stream end to end: its decoder and the worker thread that takes the newest frame from it. The worker is where
 * the detection stages run on each frame; until a model is installed it only accounts for frames (processed, end-to-
 * end latency), so the stream's health and drops are already visible.
 */
final class StreamRunner implements AutoCloseable {

    private final FfmpegSource source;
    private final Thread worker;
    private final AtomicLong processed = new AtomicLong();
    private volatile double lastLatencyMs;
    private volatile boolean running = true;

    StreamRunner(ApplianceConfig.Stream config) {
        this.source = new FfmpegSource(config);
        this.worker = new Thread(this::work, "frames-" + config.name());
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
            lastLatencyMs = (System.nanoTime() - f.decodedNanos()) / 1e6;
            processed.incrementAndGet();
            source.frames().release(f);
        }
    }

    /** True while frames flow: the readiness and watchdog signal for this stream. */
    boolean healthy() {
        return source.state() == com.edgeinspect.appliance.source.StreamState.RUNNING;
    }

    Map<String, Object> status() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", source.name());
        m.put("state", source.state().name().toLowerCase(java.util.Locale.ROOT));
        m.put("width", source.width());
        m.put("height", source.height());
        m.put("sourceFps", source.fps());
        m.put("decoded", source.decoded());
        m.put("processed", processed.get());
        m.put("dropped", source.frames().dropped());
        m.put("failures", source.failures());
        m.put("lastError", source.lastError());
        m.put("handoffLatencyMs", Math.round(lastLatencyMs * 100) / 100.0);
        return m;
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        worker.interrupt();
        source.close();
        worker.join(5000);
    }
}
