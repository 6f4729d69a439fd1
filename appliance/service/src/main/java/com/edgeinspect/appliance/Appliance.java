package com.edgeinspect.appliance;

import com.edgeinspect.appliance.broker.EmbeddedBroker;
import com.edgeinspect.appliance.config.ApplianceConfig;
import com.edgeinspect.appliance.events.EventStore;
import com.edgeinspect.appliance.http.HttpApi;
import com.edgeinspect.appliance.install.ModelManager;
import com.edgeinspect.appliance.install.Probation;
import com.edgeinspect.appliance.install.Shadow;
import com.edgeinspect.appliance.metrics.Metrics;
import com.edgeinspect.appliance.model.ActiveModel;
import com.edgeinspect.appliance.model.LoadedModel;
import com.edgeinspect.appliance.model.ModelLoader;
import com.edgeinspect.appliance.model.ModelStore;
import com.edgeinspect.appliance.publish.AlertPublisher;
import com.edgeinspect.appliance.publish.MqttLink;
import com.edgeinspect.appliance.publish.Jpeg;
import com.edgeinspect.appliance.publish.Spool;
import com.edgeinspect.appliance.systemd.Notifier;
import com.edgeinspect.appliance.systemd.Progress;
import com.edgeinspect.core.alert.AlertEvent;
import com.edgeinspect.core.mqtt.MqttAuth;
import com.edgeinspect.core.security.Secrets;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wires the appliance in one place, in the order a frame travels: the model, the alert path (event store, spool,
 * publisher, MQTT), the streams, the model manager (installs shipped models), then the HTTP API. Closing stops them
 * in reverse.
 */
public final class Appliance implements AutoCloseable, HttpApi.Backend, ModelManager.Host {

    private static final Logger LOG = LoggerFactory.getLogger(Appliance.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    static final String VERSION = "0.1.0";

    private final ApplianceConfig config;
    /** Stamps alerts, stats and the start time; nothing the box times itself by reads it. */
    private final Clock clock;
    private final long startedMillis;
    /** Uptime is measured on the monotonic clock: NTP stepping the wall clock at boot must not change it. */
    private final long startedNanos = System.nanoTime();
    private final Metrics metrics = new Metrics();
    private final List<StreamRunner> streams = new ArrayList<>();
    private final java.util.concurrent.atomic.AtomicLong newAlerts = new java.util.concurrent.atomic.AtomicLong();
    /** Messages sent without the spool because the disk refused them. */
    private final java.util.concurrent.atomic.AtomicLong unspooled = new java.util.concurrent.atomic.AtomicLong();
    /** Messages lost because neither the disk nor the broker took them. */
    private final java.util.concurrent.atomic.AtomicLong lost = new java.util.concurrent.atomic.AtomicLong();
    /** Writes the event store; if the disk falls far behind, the oldest writes give way (MQTT still has them). */
    private final java.util.concurrent.ExecutorService recorder = new java.util.concurrent.ThreadPoolExecutor(1, 1,
            0, TimeUnit.SECONDS, new java.util.concurrent.ArrayBlockingQueue<>(1000), r -> {
                Thread t = new Thread(r, "event-store");
                t.setDaemon(true);
                return t;
            }, new java.util.concurrent.ThreadPoolExecutor.DiscardOldestPolicy());
    private ModelLoader loader;
    private ActiveModel model;
    private ModelStore store;
    private EmbeddedBroker broker;
    private EventStore events;
    private Spool spool;
    private MqttLink mqtt;
    private AlertPublisher publisher;
    private ModelManager manager;
    private final Notifier notifier;
    private final Progress progress = new Progress();
    private Vertx vertx;
    private HttpServer http;

    private Appliance(ApplianceConfig config, Notifier notifier, Clock clock) {
        this.config = config;
        this.notifier = notifier;
        this.clock = clock;
        this.startedMillis = clock.millis();
    }

    /** Starts the appliance; under systemd it reports readiness and feeds the watchdog ({@code NOTIFY_SOCKET}). */
    public static Appliance start(ApplianceConfig config) throws Exception {
        return start(config, Notifier.fromEnvironment(System.getenv()));
    }

    /** @param notifier where to report readiness and watchdog pings, or null */
    public static Appliance start(ApplianceConfig config, Notifier notifier) throws Exception {
        return start(config, notifier, Clock.systemUTC());
    }

    /** @param clock the wall clock (NTP may step it at any time) */
    public static Appliance start(ApplianceConfig config, Notifier notifier, Clock clock) throws Exception {
        Appliance a = new Appliance(config, notifier, clock);
        try {
            a.startAll();
        } catch (Exception e) {
            a.close();
            throw e;
        }
        return a;
    }

    private void startAll() throws Exception {
        Path state = Path.of(config.storage().dir());
        loader = new ModelLoader(config.model());
        store = new ModelStore(state.resolve("models"), Path.of(config.model().bundle()));
        LoadedModel m = store.loadBest(loader);
        model = new ActiveModel(m); // from here closed with the appliance, should the warm-up fail
        // Before READY=1, inside systemd's start timeout: on TensorRT each new shape builds an engine (the cache
        // keeps it), which on a first frame would hold up the watchdog.
        long warm = System.nanoTime();
        List<long[]> shapes = expectedShapes(config);
        loader.warm(m, shapes);
        LOG.info("model warmed for {} in {} ms", shapes.stream().map(java.util.Arrays::toString).toList(),
                (System.nanoTime() - warm) / 1_000_000);
        metrics.model(m.name(), m.version());
        events = new EventStore(state.resolve("events"), config.storage().eventsMax());
        spool = new Spool(state.resolve("spool"), config.storage().spoolMaxMessages());
        metrics.gauge("edgeinspect_spool_messages", "alert messages waiting for the broker", spool, Spool::size);
        if (config.mqtt().embeddedBroker() != null && config.mqtt().embeddedBroker().enabled()) {
            broker = EmbeddedBroker.start(config.mqtt().embeddedBroker());
            LOG.info("embedded MQTT broker on {}:{}", config.mqtt().embeddedBroker().bindAddress(),
                    config.mqtt().embeddedBroker().port());
        }
        mqtt = new MqttLink(config.mqtt().url(), "appliance-" + config.device().id(), config.topics(), mqttAuth(),
                () -> new JsonObject(statusMessage("online")).encode(),
                new JsonObject(Map.of("state", "offline", "device", config.device().id())).encode());
        publisher = new AlertPublisher(spool, mqtt, acked -> {
            if (acked.originNanos() >= 0) {
                long now = System.nanoTime();
                metrics.alertLatency().record(now - acked.originNanos(), TimeUnit.NANOSECONDS);
                metrics.alertDelivery().record(now - acked.queuedNanos(), TimeUnit.NANOSECONDS);
            }
        });
        Jpeg.load();
        for (ApplianceConfig.Stream s : config.streams()) {
            streams.add(new StreamRunner(config, s, model, metrics, this::alert, clock).start());
        }
        manager = new ModelManager(config.install(), config.device().id(), config.device().groups(), config.topics(),
                mqtt, loader, store, state.resolve("models"), this, clock);
        manager.start();
        vertx = Vertx.vertx();
        vertx.setPeriodic(config.mqtt().statsIntervalSeconds() * 1000L,
                id -> mqtt.publish(config.topics().stats(), new JsonObject(stats()).encode(), 0, false));
        String token = config.http().tokenFile() == null ? null
                : Secrets.line(Path.of(config.http().tokenFile()), "HTTP token file");
        http = HttpApi.start(vertx, config.http().bindAddress(), config.http().port(), token, this)
                .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        LOG.info("web page on http://{}:{}/", config.http().bindAddress(), http.actualPort());
        if (notifier != null) {
            notifier.send("READY=1\nSTATUS=" + describe());
            if (notifier.watchdog() != null) {
                vertx.setPeriodic(Math.max(100, notifier.watchdog().toMillis() / 2), id -> watchdog());
            }
        }
    }

    /**
     * Pings systemd's watchdog only while the line really works ({@link Progress}): a stuck decoder or detector stops
     * the pings and systemd restarts the service.
     */
    private void watchdog() {
        Progress.Verdict v = progress.check(streams.stream().map(StreamRunner::progress).toList());
        if (v.alive()) {
            notifier.send("WATCHDOG=1\nSTATUS=" + describe() + (v.building().isEmpty() ? ""
                    : "; first frame at a new input size (engine build) on " + v.building()));
        } else {
            LOG.error("no frame processed on {} since the last watchdog check: not pinging the watchdog", v.stalled());
            notifier.send("STATUS=stalled: " + v.stalled());
        }
    }

    private String describe() {
        LoadedModel m = model.peek();
        return streams.size() + " stream(s), model " + (m == null ? "none" : m.name() + " " + m.version());
    }

    /** Credentials and TLS from the configuration; secrets come from owner-only files and are never logged. */
    private MqttAuth mqttAuth() throws IOException {
        ApplianceConfig.Mqtt m = config.mqtt();
        ApplianceConfig.Tls t = m.tls();
        return MqttAuth.of(m.username(), m.passwordFile(), t == null ? null : t.caFile(),
                t == null ? null : t.certFile(), t == null ? null : t.keyFile());
    }

    /**
     * The sink of every stream: queue for the broker (durably: the frame path waits only for this), remember in the
     * event store (on its own thread, off the frame path), print. A frame's alerts are queued together, then spooled,
     * all before any of its snapshots is encoded, so its third alert waits neither for two fsyncs nor for two JPEGs;
     * whatever the event store shows was already on its way to the broker, and the publisher sends the alerts while
     * this thread writes and encodes.
     */
    private void alert(List<AlertEvent> messages, Function<AlertEvent, byte[]> snapshotOf, long decodedNanos) {
        List<Spool.Outgoing> alerts = new ArrayList<>();
        for (AlertEvent e : messages) {
            try {
                alerts.add(new Spool.Outgoing(config.topics().alerts(), 1, JSON.writeValueAsBytes(e), false,
                        decodedNanos));
            } catch (com.fasterxml.jackson.core.JsonProcessingException x) {
                LOG.error("alert {} cannot be written as JSON: {}", e.id(), x.toString());
            }
        }
        send(alerts);
        for (AlertEvent e : messages) {
            byte[] snapshot = e.type().equals(AlertEvent.NEW) ? snapshotOf.apply(e) : null;
            if (snapshot != null) {
                send(List.of(new Spool.Outgoing(config.topics().snapshot(e.id()), 1, snapshot, true, -1)));
            }
            recorder.execute(() -> {
                try {
                    events.record(e, snapshot);
                } catch (IOException | RuntimeException x) {
                    LOG.warn("alert {} not kept in the event store: {}", e.id(), x.toString());
                }
            });
            if (e.type().equals(AlertEvent.NEW)) {
                newAlerts.incrementAndGet();
                metrics.alert(e.stream(), e.className());
            }
            LOG.info("ALERT {} {} {} score {} at {}{} frame {} ({} defect(s)) id {}",
                    e.type().toUpperCase(java.util.Locale.ROOT), e.stream(), e.className(),
                    String.format("%.2f", e.score()), e.box(), e.zone() == null ? "" : " in " + e.zone(), e.frame(),
                    e.defects(), e.id());
        }
    }

    /**
     * Queues messages in the disk spool (the publisher delivers them in order, surviving outages). If the disk refuses
     * some (full, failing), those go straight to MQTT instead, without the spool's guarantees: an alert that may be
     * lost in an outage beats one lost for sure (and one sent twice, if the publisher took it while it was being
     * written: consumers deduplicate by id).
     */
    private void send(List<Spool.Outgoing> messages) {
        try {
            spool.append(messages);
        } catch (Spool.NotStored x) {
            for (Spool.Outgoing m : x.messages()) {
                boolean sent = mqtt.publish(m.topic(), m.payload(), m.qos(), false);
                long n = (sent ? unspooled : lost).incrementAndGet();
                if (n == 1 || n % 100 == 0) {
                    LOG.error("the spool cannot store messages ({}); {} {} so far", x.getCause().toString(), n,
                            sent ? "sent without it" : "lost, the broker being unreachable too");
                }
            }
        }
    }

    /**
     * Installs a bundle file by hand, through the same steps as a shipped one: verified, staged, loaded, smoke-tested
     * and warmed, then it serves from the next frame on and is kept as the active bundle on disk (the replaced one
     * becomes the last known good). On any failure the serving model stays and the error says why.
     */
    public void install(Path bundle) throws IOException, InterruptedException {
        manager.install(java.nio.file.Files.readAllBytes(bundle), bundle.toString());
    }

    @Override
    public LoadedModel serving() {
        return model.peek();
    }

    @Override
    public void serve(LoadedModel next) {
        model.swap(next);
        metrics.model(next.name(), next.version());
        mqtt.publish(config.topics().status(), new JsonObject(statusMessage("online")).encode(), 1, true);
    }

    @Override
    public List<long[]> inputShapes() {
        return distinct(streams.stream().map(StreamRunner::inputShape));
    }

    /**
     * The input shapes the configured streams will feed the model from 1080p cameras: each stream's region of
     * interest, or the whole frame (a TensorRT engine is built per shape, so each needs its own warm-up).
     */
    static List<long[]> expectedShapes(ApplianceConfig config) {
        return distinct(config.streams().stream().map(StreamRunner::expectedShape));
    }

    private static List<long[]> distinct(java.util.stream.Stream<long[]> shapes) {
        List<long[]> out = new ArrayList<>();
        shapes.forEach(shape -> {
            if (out.stream().noneMatch(o -> java.util.Arrays.equals(o, shape))) {
                out.add(shape);
            }
        });
        return out;
    }

    @Override
    public void shadow(Shadow shadow) {
        streams.forEach(s -> s.shadow(shadow));
    }

    @Override
    public Probation.Health health() {
        List<String> failing = new ArrayList<>();
        double slowest = 0;
        for (StreamRunner s : streams) {
            if (s.frameError() != null) {
                failing.add(s.name() + ": " + s.frameError());
            }
            slowest = Math.max(slowest, s.lastInferenceMs());
        }
        return new Probation.Health(failing, slowest, newAlerts.get());
    }

    /** Ready when a model serves, every stream delivers frames and MQTT is connected. */
    @Override
    public boolean ready() {
        return model != null && model.peek() != null && mqtt != null && mqtt.connected()
                && streams.stream().allMatch(StreamRunner::healthy);
    }

    public int httpPort() {
        return http.actualPort();
    }

    private Map<String, Object> statusMessage(String state) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("state", state);
        m.put("device", config.device().id());
        m.put("version", VERSION);
        m.put("groups", config.device().groups());
        m.put("since", Instant.ofEpochMilli(startedMillis).toString());
        LoadedModel active = model == null ? null : model.peek();
        m.put("model", active == null ? null : modelSummary(active));
        return m;
    }

    private Map<String, Object> stats() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("time", Instant.now(clock).toString());
        m.put("streams", streams.stream().map(StreamRunner::status).toList());
        m.put("spool", spool.size());
        return m;
    }

    @Override
    public Map<String, Object> status() {
        Map<String, Object> m = statusMessage(ready() ? "ready" : "starting");
        m.put("uptimeSeconds", (System.nanoTime() - startedNanos) / 1_000_000_000L);
        m.put("mqtt", Map.of("url", config.mqtt().url(), "connected", mqtt != null && mqtt.connected(),
                "prefix", config.topics().prefix()));
        m.put("alerts", Map.of("delivered", publisher.delivered(), "pending", spool.size(), "dropped", spool.dropped(),
                "refused", spool.refused(), "unspooled", unspooled.get(), "lost", lost.get(),
                "byClass", events.countsByClass()));
        m.put("streams", streams.stream().map(StreamRunner::status).toList());
        m.put("install", manager == null ? null : manager.state());
        m.put("modelMessages", manager == null ? null : manager.messages());
        return m;
    }

    /** Name, version and, when it runs one, the early exit. */
    private static Map<String, Object> modelSummary(LoadedModel m) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("name", m.name());
        out.put("version", m.version());
        Map<String, Object> exit = earlyExit(m);
        if (exit != null) {
            out.put("earlyExit", exit);
        }
        return out;
    }

    /** The early exit the model runs ({@code gateThreshold}), or null when it runs the whole graph. */
    private static Map<String, Object> earlyExit(LoadedModel m) {
        float gate = m.detector().gateThreshold();
        return Float.isNaN(gate) ? null : Map.of("gateThreshold", gate);
    }

    @Override
    public Map<String, Object> model() {
        LoadedModel m = model.peek();
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("name", m.name());
        out.put("version", m.version());
        out.put("created", m.bundle().manifest().created());
        out.put("classes", m.classes());
        out.put("signer", m.bundle().signer());
        out.put("sha256", m.bundle().sha256());
        out.put("provider", m.detector().provider().name().toLowerCase());
        out.put("earlyExit", earlyExit(m));
        out.put("thresholds", m.bundle().manifest().thresholds());
        out.put("metrics", m.bundle().manifest().metrics());
        return out;
    }

    @Override
    public List<AlertEvent> events(int limit) {
        return events.latest(limit);
    }

    @Override
    public byte[] snapshot(String id) throws IOException {
        return events.snapshot(id);
    }

    @Override
    public String metrics() {
        return metrics.scrape();
    }

    @Override
    public byte[] view(String stream) {
        return runner(stream).view();
    }

    @Override
    public boolean live(String stream) {
        return runner(stream).healthy();
    }

    @Override
    public void watching(String stream, int delta) {
        runner(stream).watching(delta);
    }

    @Override
    public List<String> streams() {
        return streams.stream().map(StreamRunner::name).toList();
    }

    private StreamRunner runner(String name) {
        return streams.stream().filter(s -> s.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no stream " + name));
    }

    @Override
    public void close() throws Exception {
        if (notifier != null) {
            notifier.send("STOPPING=1");
        }
        if (vertx != null) {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
        for (StreamRunner s : streams) {
            s.close();
        }
        recorder.shutdown();
        recorder.awaitTermination(10, TimeUnit.SECONDS);
        if (manager != null) {
            manager.close();
        }
        if (publisher != null) {
            publisher.close();
        }
        if (mqtt != null) {
            mqtt.close();
        }
        if (broker != null) {
            broker.close();
        }
        if (model != null) {
            model.close();
        }
        if (notifier != null) {
            notifier.close();
        }
    }
}
