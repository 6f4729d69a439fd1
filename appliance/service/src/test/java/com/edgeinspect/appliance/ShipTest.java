package com.edgeinspect.appliance;

import static org.assertj.core.api.Assertions.assertThat;

import com.edgeinspect.appliance.model.TestBundles;
import com.edgeinspect.core.ship.ModelState;
import com.edgeinspect.core.ship.Offer;
import com.edgeinspect.core.ship.Shipper;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Shipping a model over a real broker (Debian's mosquitto) to running appliances: a staged rollout (canary group,
 * then the line) swaps the model on two boxes without dropping a frame; a box that was offline installs it when it
 * comes back; a rollback by command and an automatic rollback on probation bring the last known good back.
 */
class ShipTest {

    static final int FPS = 5;

    @TempDir
    Path tmp;

    @Test
    void aStagedRolloutSwapsTwoRunningAppliancesWithoutDroppingAFrame() throws Exception {
        KeyPair key = Fleet.key(tmp);
        byte[] bundle = TestBundles.factoryAs("1.3.0", key);
        Path clip = Fleet.slowClip(tmp, FPS);
        HttpClient http = HttpClient.newHttpClient();
        try (Mosquitto broker = Mosquitto.start(Files.createDirectories(tmp.resolve("broker")));
                Appliance a = Fleet.start(Fleet.config("box-a", List.of("canary", "line-1"), broker.port,
                        tmp.resolve("a"), clip, tmp.resolve("fleet.pub"), "{probation_seconds: 2}"), "a");
                Appliance b = Fleet.start(Fleet.config("box-b", List.of("line-1"), broker.port, tmp.resolve("b"),
                        clip, tmp.resolve("fleet.pub"), "{probation_seconds: 2}"), "b")) {
            String baseA = "http://127.0.0.1:" + a.httpPort();
            String baseB = "http://127.0.0.1:" + b.httpPort();
            for (String base : List.of(baseA, baseB)) {
                Harness.await(() -> Harness.get(http, base + "/ready").statusCode() == 200, "ready", 30);
                // Past start-up: the first frames pay for JIT and allocation, not for the swap.
                Harness.await(() -> Fleet.stream(http, base).getLong("processed") > 3 * FPS, "warm frames", 30);
            }
            LinkedBlockingQueue<Harness.Msg> raw = new LinkedBlockingQueue<>();
            MqttClient watcher = new MqttClient("tcp://127.0.0.1:" + broker.port, "watcher", new MemoryPersistence());
            watcher.connect(new MqttConnectionOptions());
            watcher.setCallback(new Harness.Collector(raw));
            watcher.subscribe(new String[] {"test/+/model/state"}, new int[] {1});
            JsonObject beforeA = Fleet.stream(http, baseA);
            JsonObject beforeB = Fleet.stream(http, baseB);

            Fleet.Log log = new Fleet.Log();
            Shipper.Result r;
            Offer offer = Offer.of(bundle, 64 * 1024, false);
            Harness.valid(Harness.schema("offer"), "offer", new JsonObject(new String(offer.toJson(),
                    StandardCharsets.UTF_8)));
            try (Shipper s = Fleet.shipper(broker.port, log)) {
                r = s.ship(bundle, offer, List.of(
                        List.of(Shipper.Target.group("canary")), List.of(Shipper.Target.group("line-1"))),
                        Duration.ofSeconds(90), Duration.ofSeconds(1));
            }
            assertThat(r.ok()).as(r.failure()).isTrue();
            assertThat(r.active()).containsExactly("box-a", "box-b"); // the canary first
            var stateSchema = Harness.schema("model-state");
            assertThat(raw).isNotEmpty();
            raw.forEach(m -> Harness.valid(stateSchema, m));
            for (String[] box : new String[][] {{"box-a", baseA}, {"box-b", baseB}}) {
                assertThat(Fleet.servingVersion(http, box[1])).isEqualTo("1.3.0");
                List<String> steps = log.states.get(box[0]).stream().map(ModelState::state).distinct().toList();
                assertThat(steps).containsSubsequence("offered", "receiving", "verified", "staged", "warming", "active");
            }
            // Probation took 2 s and the 10 s gap window still covers the swap.
            JsonObject afterA = Fleet.stream(http, baseA);
            JsonObject afterB = Fleet.stream(http, baseB);
            double interval = 1000.0 / FPS;
            for (JsonObject[] ab : new JsonObject[][] {{beforeA, afterA}, {beforeB, afterB}}) {
                System.out.printf("swap: processed %d -> %d, dropped %d -> %d, largest frame gap %.0f ms (%.2f frame"
                        + " intervals)%n", ab[0].getLong("processed"), ab[1].getLong("processed"),
                        ab[0].getLong("dropped"), ab[1].getLong("dropped"), ab[1].getDouble("maxGapMs"),
                        ab[1].getDouble("maxGapMs") / interval);
                assertThat(ab[1].getLong("dropped")).isEqualTo(ab[0].getLong("dropped"));
                assertThat(ab[1].getLong("processed")).isGreaterThan(ab[0].getLong("processed"));
                assertThat(ab[1].getDouble("maxGapMs")).isLessThanOrEqualTo(2 * interval);
            }
            watcher.disconnect();
            watcher.close();
        }
    }

    @Test
    void aDeviceOfflineDuringTheOfferInstallsWhenItComesBack() throws Exception {
        KeyPair key = Fleet.key(tmp);
        byte[] bundle = TestBundles.factoryAs("1.3.1", key);
        HttpClient http = HttpClient.newHttpClient();
        try (Mosquitto broker = Mosquitto.start(Files.createDirectories(tmp.resolve("broker")));
                Shipper s = Fleet.shipper(broker.port, new Fleet.Log())) {
            CompletableFuture<Shipper.Result> shipped = CompletableFuture.supplyAsync(() -> {
                try {
                    return s.ship(bundle, Offer.of(bundle, Offer.DEFAULT_CHUNK, false),
                            List.of(List.of(Shipper.Target.device("box-late"))), Duration.ofSeconds(90),
                            Duration.ZERO);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            Thread.sleep(3000); // the offer waits, retained, for a box that is switched off
            try (Appliance late = Fleet.start(Fleet.config("box-late", List.of(), broker.port, tmp.resolve("late"),
                    Harness.REPO.resolve("test-videos/clean-line.mp4"), tmp.resolve("fleet.pub"),
                    "{probation_seconds: 1}"), "late")) {
                Shipper.Result r = shipped.get(90, TimeUnit.SECONDS);
                assertThat(r.ok()).as(r.failure()).isTrue();
                assertThat(Fleet.servingVersion(http, "http://127.0.0.1:" + late.httpPort())).isEqualTo("1.3.1");
            }
        }
    }

    @Test
    void inShadowAModelThatAgreesServesAndOneThatDisagreesIsRejected() throws Exception {
        KeyPair key = Fleet.key(tmp);
        byte[] same = TestBundles.factoryAs("1.3.2", key);
        // The same network with a detection threshold no real defect reaches: it would miss nearly everything.
        byte[] blind = TestBundles.factoryWith("1.3.3", key, m -> new com.edgeinspect.core.bundle.Manifest(m.format(),
                m.name(), m.version(), m.created(), m.model(), m.classes(),
                new com.edgeinspect.core.bundle.Manifest.Thresholds(0.99, 0.99), m.files(), m.golden(), m.metrics(),
                m.provenance()), f -> { });
        HttpClient http = HttpClient.newHttpClient();
        Fleet.Log log = new Fleet.Log();
        try (Mosquitto broker = Mosquitto.start(Files.createDirectories(tmp.resolve("broker")));
                Appliance box = Fleet.start(Fleet.config("box-s", List.of(), broker.port, tmp.resolve("s"),
                        Harness.REPO.resolve("test-videos/mixed-defects.mp4"), tmp.resolve("fleet.pub"),
                        "{probation_seconds: 1, shadow_frames: 12, shadow_every: 3, shadow_min_agreement: 0.8}"), "s");
                Shipper s = Fleet.shipper(broker.port, log)) {
            String base = "http://127.0.0.1:" + box.httpPort();
            Harness.await(() -> Harness.get(http, base + "/ready").statusCode() == 200, "ready", 30);
            Shipper.Result ok = s.ship(same, Offer.of(same, Offer.DEFAULT_CHUNK, false),
                    List.of(List.of(Shipper.Target.device("box-s"))), Duration.ofSeconds(120), Duration.ZERO);
            assertThat(ok.ok()).as(ok.failure()).isTrue();
            assertThat(log.states.get("box-s").stream().map(ModelState::state)).contains("shadow");
            Shipper.Result refused = s.ship(blind, Offer.of(blind, Offer.DEFAULT_CHUNK, false),
                    List.of(List.of(Shipper.Target.device("box-s"))), Duration.ofSeconds(120), Duration.ZERO);
            assertThat(refused.ok()).isFalse();
            assertThat(refused.failure()).contains("in shadow it agreed with the serving model on");
            assertThat(Fleet.servingVersion(http, base)).isEqualTo("1.3.2");
        }
    }

    @Test
    void rollbackByCommandAndOnProbation() throws Exception {
        KeyPair key = Fleet.key(tmp);
        byte[] v4 = TestBundles.factoryAs("1.4.0", key);
        byte[] v5 = TestBundles.factoryAs("1.5.0", key);
        HttpClient http = HttpClient.newHttpClient();
        try (Mosquitto broker = Mosquitto.start(Files.createDirectories(tmp.resolve("broker")))) {
            // Any inference slower than 1 ms fails probation: every model this box installs is rolled back.
            String strict = Fleet.config("box-r", List.of(), broker.port, tmp.resolve("r"),
                    Harness.REPO.resolve("test-videos/clean-line.mp4"), tmp.resolve("fleet.pub"),
                    "{probation_seconds: 30, max_inference_ms: 1}");
            Fleet.Log log = new Fleet.Log();
            try (Appliance box = Fleet.start(strict, "strict"); Shipper s = Fleet.shipper(broker.port, log)) {
                String base = "http://127.0.0.1:" + box.httpPort();
                Harness.await(() -> Harness.get(http, base + "/ready").statusCode() == 200, "ready", 30);
                Shipper.Result r = s.ship(v4, Offer.of(v4, Offer.DEFAULT_CHUNK, false),
                        List.of(List.of(Shipper.Target.device("box-r"))), Duration.ofSeconds(60), Duration.ZERO);
                assertThat(r.ok()).isFalse();
                assertThat(r.failure()).contains("rolled-back").contains("on probation: inference takes");
                assertThat(Fleet.servingVersion(http, base)).isEqualTo(TestBundles.FACTORY_VERSION);
            }
            String relaxed = strict.replace("max_inference_ms: 1}", "max_inference_ms: 5000}")
                    .replace("probation_seconds: 30", "probation_seconds: 1");
            try (Appliance box = Fleet.start(relaxed, "relaxed"); Shipper s = Fleet.shipper(broker.port, log)) {
                String base = "http://127.0.0.1:" + box.httpPort();
                Harness.await(() -> Harness.get(http, base + "/ready").statusCode() == 200, "ready", 30);
                // The rolled-back 1.4.0 is still offered (retained) but stays out after the restart.
                assertThat(Fleet.servingVersion(http, base)).isEqualTo(TestBundles.FACTORY_VERSION);
                assertThat(s.ship(v5, Offer.of(v5, Offer.DEFAULT_CHUNK, false),
                        List.of(List.of(Shipper.Target.device("box-r"))), Duration.ofSeconds(60), Duration.ZERO)
                        .ok()).isTrue();
                assertThat(Fleet.servingVersion(http, base)).isEqualTo("1.5.0");

                LinkedBlockingQueue<Harness.Msg> answers = new LinkedBlockingQueue<>();
                MqttClient c = new MqttClient("tcp://127.0.0.1:" + broker.port, "operator", new MemoryPersistence());
                c.connect(new MqttConnectionOptions());
                c.setCallback(new Harness.Collector(answers));
                c.subscribe(new String[] {"operator/answers"}, new int[] {1});
                MqttProperties p = new MqttProperties();
                p.setResponseTopic("operator/answers");
                p.setCorrelationData("r1".getBytes(StandardCharsets.UTF_8));
                c.publish("test/box-r/cmd/rollback", new MqttMessage("{\"reason\":\"operator: scratches missed\"}"
                        .getBytes(StandardCharsets.UTF_8), 1, false, p));
                Harness.Msg answer = answers.poll(30, TimeUnit.SECONDS);
                assertThat(answer).isNotNull();
                assertThat(answer.json().getBoolean("ok")).isTrue();
                assertThat(answer.json().getString("serving")).isEqualTo(TestBundles.FACTORY_VERSION);
                assertThat(Fleet.servingVersion(http, base)).isEqualTo(TestBundles.FACTORY_VERSION);
                Harness.await(() -> log.last("box-r") != null && log.last("box-r").state().equals("rolled-back")
                        && "operator: scratches missed".equals(log.last("box-r").reason()), "rolled-back state", 10);
                c.disconnect();
                c.close();
            }
        }
    }
}
