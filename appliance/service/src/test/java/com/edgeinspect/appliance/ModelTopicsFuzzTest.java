package com.edgeinspect.appliance;

import static org.assertj.core.api.Assertions.assertThat;

import com.edgeinspect.appliance.model.TestBundles;
import com.edgeinspect.core.mqtt.TopicAliases;
import com.edgeinspect.core.ship.Chunk;
import com.edgeinspect.core.ship.Offer;
import com.edgeinspect.core.ship.Shipper;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Random;
import java.util.ArrayList;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * 12,000 malformed messages on every topic a running appliance subscribes to (its offer, a fleet group's offer,
 * chunks, commands): mutated real offers and chunks, offers dated far in the future, random bytes and JSON of the
 * wrong shape. The line keeps running on its model, and a real bundle shipped afterwards installs.
 */
class ModelTopicsFuzzTest {

    @TempDir
    Path tmp;

    @Test
    void garbageOnEveryModelTopicNeitherStopsTheLineNorBlocksTheNextInstall() throws Exception {
        KeyPair key = Fleet.key(tmp);
        byte[] real = TestBundles.factoryAs("0.9.0", key);
        byte[] decoy = TestBundles.factoryAs("0.8.0", key);
        Offer decoyOffer = Offer.of(decoy, 64 * 1024, false);
        byte[] offerJson = decoyOffer.toJson();
        byte[] chunk = Chunk.encode(decoyOffer.sha256(), 1, decoyOffer.chunks().size(), decoyOffer.chunk(decoy, 1));
        HttpClient http = HttpClient.newHttpClient();
        // mosquitto drops QoS 1 messages beyond 1000 queued for a slow subscriber by default; the box must see all.
        try (Mosquitto broker = Mosquitto.start(Files.createDirectories(tmp.resolve("broker")), Mosquitto.freePort(),
                false, "max_queued_messages 20000\n");
                Appliance box = Fleet.start(Fleet.config("box-f", List.of("line-f"), broker.port, tmp.resolve("f"),
                        Harness.REPO.resolve("test-videos/clean-line.mp4"), tmp.resolve("fleet.pub"),
                        "{probation_seconds: 1, request_interval_seconds: 1, transfer_timeout_seconds: 3}"), "f")) {
            String base = "http://127.0.0.1:" + box.httpPort();
            Harness.await(() -> Harness.get(http, base + "/ready").statusCode() == 200, "ready", 30);
            MqttAsyncClient c = new MqttAsyncClient("tcp://127.0.0.1:" + broker.port, "fuzzer",
                    new MemoryPersistence());
            c.connect(new MqttConnectionOptions()).waitForCompletion(10_000);
            TopicAliases.disable(c); // a publish Paho refuses is tried again below
            List<IMqttToken> window = new ArrayList<>();
            String[] topics = {"test/box-f/model/offer", "fleet/line-f/model/offer",
                "test/box-f/model/chunk/" + decoyOffer.sha256(), "test/box-f/model/chunk/zzz",
                "test/box-f/cmd/rollback", "test/box-f/cmd/benchmark"};
            Random r = new Random(99);
            int sent = 0;
            long t0 = System.nanoTime();
            for (int i = 0; i < 2000; i++) {
                for (String t : topics) {
                    byte[] base2 = t.contains("/chunk/") ? chunk : offerJson;
                    byte[] p = payload(base2, r);
                    try {
                        window.add(c.publish(t, p, 1, false));
                    } catch (org.eclipse.paho.mqttv5.common.MqttException e) { // 32202: Paho's count lags its acks
                        for (IMqttToken k : window) {
                            k.waitForCompletion(10_000);
                        }
                        window.clear();
                        Thread.sleep(20);
                        window.add(c.publish(t, p, 1, false));
                    }
                    sent++;
                    if (window.size() == 10) { // within the broker's Receive Maximum
                        for (IMqttToken k : window) {
                            k.waitForCompletion(10_000);
                        }
                        window.clear();
                    }
                }
            }
            assertThat(sent).isGreaterThanOrEqualTo(12_000);
            System.out.printf("published in %.1f s%n", (System.nanoTime() - t0) / 1e9);
            // Every one reached the box (the broker queues QoS 1 for it) and was handled.
            Harness.await(() -> Harness.status(http, base).getJsonObject("modelMessages").getLong("handled") >= 12_000,
                    "all messages handled", 120);
            System.out.println("malformed model messages sent: " + sent + "; the box: "
                    + Harness.status(http, base).getJsonObject("modelMessages"));
            Harness.await(() -> Harness.get(http, base + "/ready").statusCode() == 200, "still ready", 30);
            assertThat(Fleet.servingVersion(http, base)).isEqualTo(TestBundles.FACTORY_VERSION);
            long processed = Fleet.stream(http, base).getLong("processed");
            Harness.await(() -> Fleet.stream(http, base).getLong("processed") > processed, "frames flowing", 10);
            c.disconnect().waitForCompletion(5000);
            c.close();

            try (Shipper s = Fleet.shipper(broker.port, new Fleet.Log())) {
                Shipper.Result result = s.ship(real, Offer.of(real, Offer.DEFAULT_CHUNK, false),
                        List.of(List.of(Shipper.Target.device("box-f"))), Duration.ofSeconds(120), Duration.ZERO);
                assertThat(result.ok()).as(result.failure()).isTrue();
            }
            assertThat(Fleet.servingVersion(http, base)).isEqualTo("0.9.0");
        }
    }

    /** A mutation of a real message, a future-dated copy, random bytes or JSON of the wrong shape. */
    private static byte[] payload(byte[] valid, Random r) {
        switch (r.nextInt(5)) {
            case 0 -> {
                byte[] b = valid.clone();
                for (int k = 1 + r.nextInt(6); k > 0; k--) {
                    b[r.nextInt(b.length)] = (byte) r.nextInt(256);
                }
                return b;
            }
            case 1 -> {
                return java.util.Arrays.copyOf(valid, r.nextInt(valid.length));
            }
            case 2 -> {
                String s = new String(valid, StandardCharsets.ISO_8859_1);
                // A fresh id and a time far ahead: were it believed, every real offer after it would look stale.
                return s.replaceFirst("\"id\":\"[^\"]+\"", "\"id\":\"f" + r.nextInt(1_000_000) + "\"")
                        .replaceFirst("\"time\":\"[^\"]+\"", "\"time\":\"" + Instant.parse("2999-01-01T00:00:00Z") + "\"")
                        .getBytes(StandardCharsets.ISO_8859_1);
            }
            case 3 -> {
                byte[] b = new byte[r.nextInt(512)];
                r.nextBytes(b);
                return b;
            }
            default -> {
                String[] shapes = {"{}", "[]", "null", "\"x\"", "{\"format\":\"edgeinspect-offer/1\",\"id\":[]}",
                    "{\"reason\":" + "[".repeat(500) + "}", "{\"a\":" + "1".repeat(400) + "}"};
                return shapes[r.nextInt(shapes.length)].getBytes(StandardCharsets.UTF_8);
            }
        }
    }
}
