package com.edgeinspect.appliance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.edgeinspect.core.mqtt.MqttAuth;
import com.edgeinspect.core.ship.DeviceCommand;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hardware-in-the-loop latency: a trainer times a signed bundle on a running box over {@code cmd/benchmark} (Debian's
 * mosquitto, a real appliance serving a stream meanwhile); the bundle is not installed, and a bundle the box does not
 * trust or a malformed request gets the reason back.
 */
class BenchmarkCommandTest {

    @TempDir
    Path tmp;

    @Test
    void aBoxTimesASignedBundleWithoutInstallingIt() throws Exception {
        byte[] bundle = Files.readAllBytes(Harness.REPO.resolve("models/default.vimodel"));
        int port = Mosquitto.freePort();
        try (Mosquitto broker = Mosquitto.start(Files.createDirectories(tmp.resolve("broker")), port, false);
                Appliance box = Appliance.start(Harness.load(Harness.config("mixed-defects", port, tmp.resolve("s"))
                        .replace("loop: false", "loop: true"),
                        "bench"));
                DeviceCommand cmd = new DeviceCommand("tcp://127.0.0.1:" + port, "trainer-hil", MqttAuth.NONE,
                        "test/{deviceId}", "box-t")) {
            HttpClient http = HttpClient.newHttpClient();
            String base = "http://127.0.0.1:" + box.httpPort();
            Harness.await(() -> Harness.get(http, base + "/ready").statusCode() == 200, "ready", 30);
            String serving = Fleet.servingVersion(http, base);

            double ms = cmd.benchmark(bundle, 3, 640, 368, Duration.ofSeconds(60));
            assertThat(ms).as("median ms per inference at 640x368").isGreaterThan(0).isLessThan(5000);
            JsonNode full = cmd.send("benchmark", Map.of("bundle", java.util.Base64.getEncoder().encodeToString(bundle),
                    "runs", 2), Duration.ofSeconds(60));
            assertThat(full.path("ok").asBoolean()).isTrue();
            assertThat(full.path("provider").asText()).isEqualTo("CPU");
            assertThat(full.path("width").asInt()).isEqualTo(1920);
            assertThat(full.path("height").asInt()).isEqualTo(1088);
            assertThat(full.path("p90Ms").asDouble()).isGreaterThanOrEqualTo(full.path("medianMs").asDouble());
            assertThat(Fleet.servingVersion(http, base)).as("not installed").isEqualTo(serving);

            byte[] tampered = bundle.clone();
            tampered[tampered.length / 2] ^= 1;
            assertThatThrownBy(() -> cmd.benchmark(tampered, 3, 640, 368, Duration.ofSeconds(60)))
                    .isInstanceOf(IOException.class).hasMessageContaining("could not benchmark");
            assertThatThrownBy(() -> cmd.benchmark(bundle, 0, 640, 368, Duration.ofSeconds(60)))
                    .hasMessageContaining("'runs' must be an integer in [1, 200]");
            assertThatThrownBy(() -> cmd.benchmark(bundle, 3, 641, 368, Duration.ofSeconds(60)))
                    .hasMessageContaining("multiples of 16");
            JsonNode garbage = cmd.send("benchmark", Map.of("bundle", "not base64!"), Duration.ofSeconds(30));
            assertThat(garbage.path("ok").asBoolean()).isFalse();
            assertThat(garbage.path("error").asText()).contains("base64");
            assertThat(Harness.get(http, base + "/ready").statusCode()).as("the box still serves").isEqualTo(200);
        }
    }
}
