package com.edgeinspect.appliance;

import com.edgeinspect.appliance.broker.EmbeddedBroker;
import com.edgeinspect.appliance.config.ApplianceConfig;
import com.edgeinspect.appliance.http.HttpApi;
import com.edgeinspect.appliance.publish.MqttLink;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wires the appliance in one place, in the order a frame travels: streams (decode threads and their workers), the
 * MQTT link, periodic stats, the HTTP API. Closing stops them in reverse.
 */
public final class Appliance implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Appliance.class);
    static final String VERSION = "0.1.0";

    private final ApplianceConfig config;
    private final long startedMillis = System.currentTimeMillis();
    private final List<StreamRunner> streams = new ArrayList<>();
    private EmbeddedBroker broker;
    private MqttLink mqtt;
    private Vertx vertx;
    private HttpServer http;

    private Appliance(ApplianceConfig config) {
        this.config = config;
    }

    public static Appliance start(ApplianceConfig config) throws Exception {
        Appliance a = new Appliance(config);
        try {
            a.startAll();
        } catch (Exception e) {
            a.close();
            throw e;
        }
        return a;
    }

    private void startAll() throws Exception {
        if (config.mqtt().embeddedBroker() != null && config.mqtt().embeddedBroker().enabled()) {
            broker = EmbeddedBroker.start(config.mqtt().embeddedBroker());
            LOG.info("embedded MQTT broker on {}:{}", config.mqtt().embeddedBroker().bindAddress(),
                    config.mqtt().embeddedBroker().port());
        }
        for (ApplianceConfig.Stream s : config.streams()) {
            streams.add(new StreamRunner(s).start());
        }
        mqtt = new MqttLink(config.mqtt().url(), "appliance-" + config.device().id(), config.topics(),
                () -> new JsonObject(statusMessage("online")).encode(),
                new JsonObject(Map.of("state", "offline", "device", config.device().id())).encode());
        vertx = Vertx.vertx();
        vertx.setPeriodic(config.mqtt().statsIntervalSeconds() * 1000L,
                id -> mqtt.publish(config.topics().stats(), new JsonObject(stats()).encode(), 0, false));
        http = HttpApi.start(vertx, config.http().bindAddress(), config.http().port(), this::ready, this::status)
                .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        LOG.info("HTTP API on http://{}:{}/api/status", config.http().bindAddress(), http.actualPort());
    }

    /** Ready when every stream delivers frames and MQTT is connected. */
    public boolean ready() {
        return mqtt != null && mqtt.connected() && streams.stream().allMatch(StreamRunner::healthy);
    }

    public int httpPort() {
        return http.actualPort();
    }

    private Map<String, Object> statusMessage(String state) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("state", state);
        m.put("device", config.device().id());
        m.put("version", VERSION);
        m.put("since", Instant.ofEpochMilli(startedMillis).toString());
        m.put("model", null);
        return m;
    }

    private Map<String, Object> stats() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("time", Instant.now().toString());
        m.put("streams", streams.stream().map(StreamRunner::status).toList());
        return m;
    }

    public Map<String, Object> status() {
        Map<String, Object> m = statusMessage(ready() ? "ready" : "starting");
        m.put("uptimeSeconds", (System.currentTimeMillis() - startedMillis) / 1000);
        m.put("mqtt", Map.of("url", config.mqtt().url(), "connected", mqtt != null && mqtt.connected(),
                "prefix", config.topics().prefix()));
        m.put("streams", streams.stream().map(StreamRunner::status).toList());
        return m;
    }

    @Override
    public void close() throws Exception {
        if (vertx != null) {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
        if (mqtt != null) {
            mqtt.close();
        }
        for (StreamRunner s : streams) {
            s.close();
        }
        if (broker != null) {
            broker.close();
        }
    }
}
