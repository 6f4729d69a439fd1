package com.edgeinspect.appliance;

import static org.assertj.core.api.Assertions.assertThat;

import com.edgeinspect.appliance.config.ApplianceConfig;
import com.edgeinspect.core.mqtt.MqttListener;
import io.vertx.core.json.JsonObject;
import io.vertx.json.schema.Draft;
import io.vertx.json.schema.JsonSchema;
import io.vertx.json.schema.JsonSchemaOptions;
import io.vertx.json.schema.OutputUnit;
import io.vertx.json.schema.Validator;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.eclipse.paho.mqttv5.client.MqttDisconnectResponse;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;

/** What the appliance's system tests share: a configuration for a clip, an MQTT collector, HTTP and waiting. */
final class Harness {

    static final Path REPO = Path.of("../..");

    /**
     * A stream's region of interest for tests about delivery and shipping rather than detection: a band across the
     * belt, a third of the frame, that every part crosses, so a slow machine still detects often enough (a whole
     * 1080p frame took 80 to 190 ms on one thread on machines of CI's kind).
     */
    static final String BAND = "roi: {x: 640, y: 0, width: 640, height: 1080}";

    private Harness() {}

    record Msg(String topic, byte[] payload, boolean retained) {
        JsonObject json() {
            return new JsonObject(new String(payload, StandardCharsets.UTF_8));
        }
    }

    /** The appliance on one committed clip with the bundled model, its state in {@code state}. */
    static String config(String clip, int port, Path state) {
        return config(clip, port, state, "models/default.vimodel");
    }

    /** The same with another bundle of the repository ({@code bundle} relative to its root). */
    static String config(String clip, int port, Path state, String bundle) {
        return """
                device: {id: box-t}
                mqtt: {url: "tcp://127.0.0.1:%d", prefix: "test/{deviceId}", stats_interval_seconds: 1}
                http: {bind_address: 127.0.0.1, port: 0}
                model: {bundle: %s, trusted_keys: [%s], providers: [cpu], threads: 2}
                storage: {dir: "%s"}
                streams:
                  - {name: line1, url: "%s", loop: false, realtime: true}
                """.formatted(port, REPO.resolve(bundle), REPO.resolve("models/demo-signing.pub"), state,
                REPO.resolve("test-videos/" + clip + ".mp4"));
    }

    /** A configuration from YAML text, without environment overrides. */
    static ApplianceConfig load(String yaml, String name) throws ApplianceConfig.Invalid {
        return ApplianceConfig.load(new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8)), name, Map.of());
    }

    /** {@code /api/status} of the appliance at {@code base}. */
    static JsonObject status(HttpClient http, String base) throws Exception {
        return new JsonObject(get(http, base + "/api/status").body());
    }

    /** Waits until the first stream's clip has ended and every alert it caused has left the spool. */
    static void awaitClipDelivered(HttpClient http, String base) throws Exception {
        // The clip plays at camera speed; then the publisher drains its spool.
        await(() -> status(http, base).getJsonArray("streams").getJsonObject(0).getString("state").equals("ended"),
                "end of the clip", 60);
        await(() -> pending(http, base) == 0, "spool drained", 30);
    }

    static HttpResponse<String> get(HttpClient http, String url) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
    }

    interface Check {
        boolean ok() throws Exception;
    }

    static void await(Check c, String what, int seconds) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!c.ok()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(100);
        }
    }

    /** Collects every message. */
    static final class Collector extends MqttListener {
        private final BlockingQueue<Msg> got;
        private final Runnable onLost;

        Collector(BlockingQueue<Msg> got) {
            this(got, () -> { });
        }

        /** @param onLost run when the link breaks, e.g. to have a {@link com.edgeinspect.core.mqtt.Reconnect} try */
        Collector(BlockingQueue<Msg> got, Runnable onLost) {
            this.got = got;
            this.onLost = onLost;
        }

        @Override
        public void messageArrived(String topic, MqttMessage m) {
            got.add(new Msg(topic, m.getPayload(), m.isRetained()));
        }

        // A consumer's own link is part of what a delivery test observes: its breaks go to the test's output.
        @Override
        public void disconnected(MqttDisconnectResponse response) {
            System.out.println("test consumer disconnected: " + response);
            onLost.run();
        }

        @Override
        public void connectComplete(boolean reconnect, String serverURI) {
            if (reconnect) {
                System.out.println("test consumer reconnected to " + serverURI);
            }
        }
    }

    /**
     * Waits until the alert messages a consumer got hold every alert in the box's event store, each (id, sequence)
     * at least once, then checks them: in order per alert (first arrivals; a redelivery may come after later
     * messages), with at most one redelivery (a PUBACK lost at the moment the link broke); returns a summary line.
     * The box may still be recording alerts (a looping clip): the check is made against the one snapshot of its store
     * that the received messages were found to cover.
     */
    static String awaitEveryAlertOnce(HttpClient http, String base, BlockingQueue<Msg> got) throws Exception {
        return awaitEveryAlertOnce(http, base, got, 1);
    }

    /** Alert messages waiting in the box's spool. */
    static int pending(HttpClient http, String base) throws Exception {
        return status(http, base).getJsonObject("alerts").getInteger("pending");
    }

    /** The most events the box's API returns at once. */
    static final int EVENTS = 1000;

    /** Every alert message the box has recorded, as "id/sequence": an event's sequence numbers count from 0. */
    static Set<String> recordedAlerts(HttpClient http, String base) throws Exception {
        Set<String> expected = new HashSet<>();
        for (Object e : new io.vertx.core.json.JsonArray(get(http, base + "/api/events?limit=" + EVENTS).body())) {
            JsonObject a = (JsonObject) e;
            for (int s = 0; s <= a.getInteger("sequence"); s++) {
                expected.add(a.getString("id") + "/" + s);
            }
        }
        return expected;
    }

    /** The received alert messages as "id/sequence". */
    static Set<String> keys(List<Msg> got) {
        Set<String> keys = new HashSet<>();
        for (Msg m : got) {
            keys.add(m.json().getString("id") + "/" + m.json().getInteger("sequence"));
        }
        return keys;
    }

    /**
     * As {@link #awaitEveryAlertOnce(HttpClient, String, BlockingQueue)}, allowing {@code redeliveries} repeated
     * messages (one per broken link or killed process).
     */
    static String awaitEveryAlertOnce(HttpClient http, String base, BlockingQueue<Msg> got, int redeliveries)
            throws Exception {
        return awaitEveryAlertOnce(http, base, got, redeliveries, 0);
    }

    /**
     * As {@link #awaitEveryAlertOnce(HttpClient, String, BlockingQueue, int)}, accepting that up to
     * {@code lostByBroker} messages never arrive: those a killed broker acknowledged before it saved them
     * ({@link Mosquitto#lostIfKilled}), which no publisher can recover.
     */
    static String awaitEveryAlertOnce(HttpClient http, String base, BlockingQueue<Msg> got, int redeliveries,
            int lostByBroker) throws Exception {
        List<Msg> all = new ArrayList<>();
        AtomicReference<Set<String>> expected = new AtomicReference<>();
        Set<String> missing = new TreeSet<>();
        try {
            await(() -> {
                expected.set(recordedAlerts(http, base));
                got.drainTo(all);
                return keys(all).containsAll(expected.get());
            }, "every recorded alert delivered", 60);
        } catch (AssertionError timedOut) {
            missing.addAll(expected.get());
            missing.removeAll(keys(all));
            if (missing.size() > lostByBroker) {
                throw new AssertionError(missing.size() + " of " + expected.get().size()
                        + " recorded alert messages never arrived (" + lostByBroker
                        + " may have been lost by the killed broker): " + missing + "; the box's alert delivery: "
                        + status(http, base).getJsonObject("alerts"));
            }
        }
        Map<String, Integer> last = new HashMap<>();
        Set<String> seen = new HashSet<>();
        for (Msg m : all) {
            String id = m.json().getString("id");
            int seq = m.json().getInteger("sequence");
            if (!seen.add(id + "/" + seq)) {
                // A redelivery, counted below: a broker stopped before it heard the consumer's PUBACK sends the
                // message again when the consumer's session resumes, after later ones it had delivered.
                continue;
            }
            assertThat(seq).as("order of " + id + " (first arrivals)")
                    .isGreaterThanOrEqualTo(last.getOrDefault(id, -1));
            last.put(id, seq);
        }
        int distinct = keys(all).size();
        assertThat(all.size() - distinct)
                .as("redeliveries (deduplicated by id)").isLessThanOrEqualTo(redeliveries);
        return expected.get().size() + " messages expected, " + all.size() + " received, " + distinct
                + " distinct" + (missing.isEmpty() ? "" : ", lost by the killed broker after its PUBACK: " + missing);
    }

    /** The appliance as its own process ({@code Main --config}), output in {@code dir/box-RUN.log}. */
    static Process startAppliance(Path dir, Path config, int run) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m",
                "-Dorg.bytedeco.javacpp.cachedir=" + System.getProperty("org.bytedeco.javacpp.cachedir",
                        System.getProperty("user.home") + "/.javacpp/cache"),
                "-cp", System.getProperty("java.class.path"), Main.class.getName(), "--config", config.toString()));
        return new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(dir.resolve("box-" + run + ".log").toFile()).start();
    }

    /** Waits until the appliance at {@code base} answers /ready with 200 (it may not listen yet). */
    static void awaitReady(HttpClient http, String base) throws Exception {
        await(() -> {
            try {
                return get(http, base + "/ready").statusCode() == 200;
            } catch (java.io.IOException e) {
                return false;
            }
        }, "the appliance ready", 60);
    }

    /**
     * Publishes and waits for the acknowledgement, retrying when Paho says too many publishes are in flight (32202):
     * it can say so just after the previous acknowledgement arrived, before it has counted it. Only for a client
     * whose topic aliases are off ({@link com.edgeinspect.core.mqtt.TopicAliases}): with them on, the retry of a
     * topic's first publish gets the client disconnected.
     */
    static void publish(org.eclipse.paho.mqttv5.client.MqttClient c, String topic, byte[] payload, int qos,
            boolean retained) throws Exception {
        for (int attempt = 0; ; attempt++) {
            try {
                c.publish(topic, payload, qos, retained);
                return;
            } catch (MqttException e) {
                if (e.getReasonCode() != 32202 || attempt > 100) { // 32202: too many publishes in progress
                    throw e;
                }
                Thread.sleep(10);
            }
        }
    }

    /** A validator for {@code schemas/NAME.schema.json}. */
    static Validator schema(String name) throws Exception {
        JsonObject s = new JsonObject(Files.readString(REPO.resolve("schemas/" + name + ".schema.json")));
        return Validator.create(JsonSchema.of(s), new JsonSchemaOptions().setDraft(Draft.DRAFT202012)
                .setBaseUri("https://edgeinspect.local/"));
    }

    /** Asserts that a message's JSON is valid against a schema, naming the topic and the errors if not. */
    static void valid(Validator v, String topic, JsonObject json) {
        OutputUnit r = v.validate(json);
        assertThat(r.getValid()).as(topic + " " + json.encode() + ": "
                + r.getErrors()).isTrue();
    }

    static void valid(Validator v, Msg m) {
        valid(v, m.topic(), m.json());
    }

    /** The bundled model's files under another version, signed with {@code key}, written to {@code out}. */
    static Path resign(Path out, String version, KeyPair key) throws Exception {
        Files.write(out, com.edgeinspect.appliance.model.TestBundles.factoryAs(version, key));
        return out;
    }
}
