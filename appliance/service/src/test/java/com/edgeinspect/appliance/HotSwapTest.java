package com.edgeinspect.appliance;

import com.edgeinspect.appliance.model.TestBundles;
import static org.assertj.core.api.Assertions.assertThat;

import com.edgeinspect.appliance.config.ApplianceConfig;
import com.edgeinspect.core.alert.AlertEvent;
import com.edgeinspect.core.bundle.BundleException;
import com.edgeinspect.core.bundle.Keys;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A new model installed into a running appliance serves from the next frame on: alerts carry its version, the
 * status says so, the stream never stops; a bundle that fails verification leaves the serving model in place.
 */
class HotSwapTest {

    @TempDir
    Path tmp;

    @Test
    void installingABundleSwapsTheModelWithoutStoppingTheLine() throws Exception {
        KeyPair key = Keys.generate();
        Keys.writePublic(key.getPublic(), tmp.resolve("fleet.pub"));
        Path next = Harness.resign(tmp.resolve("next.vimodel"), TestBundles.FACTORY_VERSION + "-next", key);
        int port = Mosquitto.freePort();
        try (Mosquitto broker = Mosquitto.start(Files.createDirectories(tmp.resolve("broker")), port, false)) {
            String yaml = Harness.config("mixed-defects", port, tmp.resolve("state"))
                    .replace("loop: false", "loop: true")
                    .replace("trusted_keys: [", "trusted_keys: [" + tmp.resolve("fleet.pub") + ", ");
            ApplianceConfig config = Harness.load(yaml, "swap");
            BlockingQueue<Harness.Msg> got = new LinkedBlockingQueue<>();
            MqttClient sub = new MqttClient("tcp://127.0.0.1:" + port, "swap-consumer", new MemoryPersistence());
            sub.connect(new MqttConnectionOptions());
            sub.setCallback(new Harness.Collector(got));
            sub.subscribe(new String[] {"test/box-t/alerts", "test/box-t/status"}, new int[] {1, 1});
            HttpClient http = HttpClient.newHttpClient();
            ObjectMapper json = new ObjectMapper();
            try (Appliance appliance = Appliance.start(config)) {
                String base = "http://127.0.0.1:" + appliance.httpPort();
                Harness.await(() -> Harness.get(http, base + "/ready").statusCode() == 200, "ready", 30);
                long before = processed(http, base);

                Path broken = tmp.resolve("broken.vimodel");
                byte[] b = Files.readAllBytes(next);
                b[b.length / 3] ^= 1;
                Files.write(broken, b);
                try {
                    appliance.install(broken);
                    throw new AssertionError("a corrupted bundle was installed");
                } catch (BundleException e) {
                    assertThat(e.getMessage()).contains("broken.vimodel");
                }
                assertThat(new JsonObject(Harness.get(http, base + "/api/model").body()).getString("version"))
                        .isEqualTo(TestBundles.FACTORY_VERSION);

                appliance.install(next);
                assertThat(new JsonObject(Harness.get(http, base + "/api/model").body()).getString("version"))
                        .isEqualTo(TestBundles.FACTORY_VERSION + "-next");
                Harness.await(() -> got.stream().anyMatch(m -> m.topic().endsWith("/alerts")
                        && m.json().getString("modelVersion").equals(TestBundles.FACTORY_VERSION + "-next")), "an alert from the new model", 60);
                Harness.await(() -> got.stream().anyMatch(m -> m.topic().endsWith("/status")
                        && m.json().getJsonObject("model") != null
                        && (TestBundles.FACTORY_VERSION + "-next").equals(m.json().getJsonObject("model").getString("version"))),
                        "the status naming the new model", 10);
                JsonObject stream = Harness.status(http, base).getJsonArray("streams").getJsonObject(0);
                assertThat(stream.getLong("processed")).isGreaterThan(before);
                assertThat(stream.getString("state")).isEqualTo("running");
                assertThat(stream.getValue("lastError")).isIn(null, "");
                assertThat(Harness.get(http, base + "/metrics").body())
                        .contains("edgeinspect_model{name=\"defect-student\",version=\"" + TestBundles.FACTORY_VERSION + "-next\"} 1.0")
                        .doesNotContain("version=\"" + TestBundles.FACTORY_VERSION + "\"}");
                for (Harness.Msg m : got) {
                    if (m.topic().endsWith("/alerts")) {
                        assertThat(json.readValue(m.payload(), AlertEvent.class).modelVersion())
                                .isIn(TestBundles.FACTORY_VERSION, TestBundles.FACTORY_VERSION + "-next");
                    }
                }
            }
            sub.disconnect();
            sub.close();
        }
    }

    private static long processed(HttpClient http, String base) throws Exception {
        return Harness.status(http, base).getJsonArray("streams").getJsonObject(0).getLong("processed");
    }
}
