package com.edgeinspect.appliance.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;

/**
 * The appliance's Prometheus metrics, named once here: per stream, frames processed (rate = fps), frames dropped,
 * decode, inference and frame-to-alert latency histograms; alerts per class; the active model as an info metric.
 */
public final class Metrics {

    /** Frame-to-alert latency's bucket bounds beside the default ones: every 10 ms from 60 to 150. */
    private static final Duration[] LATENCY_BOUNDS = java.util.stream.IntStream.rangeClosed(6, 15)
            .mapToObj(t -> Duration.ofMillis(10L * t)).toArray(Duration[]::new);

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

    /** The meters one stream worker updates. */
    public record Stream(Counter frames, Counter exits, Counter stageTwo, Timer decode, Timer inference,
            Timer endToEnd) {}

    public Stream stream(String name, Supplier<Number> dropped) {
        Gauge.builder("edgeinspect_frames_dropped", dropped).strongReference(true)
                .description("frames the detector skipped because a newer one was ready").tag("stream", name)
                .register(registry);
        return new Stream(
                Counter.builder("edgeinspect_frames_processed").description("frames run through the detector")
                        .tag("stream", name).register(registry),
                Counter.builder("edgeinspect_early_exits").description("frames the model's gate called clean, so "
                        + "they skipped the second graph").tag("stream", name).register(registry),
                Counter.builder("edgeinspect_stage_two_frames").description("frames' worth of area the graph "
                        + "after the gate computed on (an early-exit model runs it around the gate's region only)")
                        .tag("stream", name).register(registry),
                timer("edgeinspect_decode", "time to decode one frame", name),
                timer("edgeinspect_inference", "preprocess, inference and decoding of one frame", name),
                timer("edgeinspect_frame_latency", "from decoded frame to its alerts handed to the publisher", name));
    }

    private Timer timer(String metric, String description, String stream) {
        return Timer.builder(metric).description(description).tag("stream", stream).publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofSeconds(2))
                .register(registry);
    }

    /**
     * Frame-to-alert latency. The default buckets step from 89.5 to 111.8 ms, across the 100 ms objective; with
     * {@link #LATENCY_BOUNDS} the share of alerts within 100 ms is counted exactly and a p99 near it is not a guess.
     */
    private final Timer alertLatency = Timer.builder("edgeinspect_alert_latency")
            .description("from the decoded frame to the broker's acknowledgement of its alert")
            .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1))
            .maximumExpectedValue(Duration.ofSeconds(10)).serviceLevelObjectives(LATENCY_BOUNDS).register(registry);

    private final Timer alertDelivery = Timer.builder("edgeinspect_alert_delivery")
            .description("from the alert queued in the spool (its write to disk under way) to the broker's "
                    + "acknowledgement")
            .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1))
            .maximumExpectedValue(Duration.ofSeconds(10)).register(registry);

    public Timer alertLatency() {
        return alertLatency;
    }

    public Timer alertDelivery() {
        return alertDelivery;
    }

    public void alert(String stream, String className) {
        registry.counter("edgeinspect_alerts", "stream", stream, "class", className).increment();
    }

    /** Exposes a value the registry reads when scraped. */
    public <T> void gauge(String metric, String description, T source, ToDoubleFunction<T> value) {
        Gauge.builder(metric, source, value).strongReference(true).description(description).register(registry);
    }

    /** Sets {@code edgeinspect_model{name, version} 1}, an info metric, to the active model (again on each swap). */
    public synchronized void model(String name, String version) {
        registry.find("edgeinspect_model").gauges().forEach(registry::remove);
        Gauge.builder("edgeinspect_model", () -> 1).strongReference(true).description("the active model")
                .tags("name", name, "version", version).register(registry);
    }

    public String scrape() {
        return registry.scrape();
    }
}
