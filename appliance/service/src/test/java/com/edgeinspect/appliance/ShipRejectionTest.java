package com.edgeinspect.appliance;

import static org.assertj.core.api.Assertions.assertThat;

import com.edgeinspect.appliance.model.TestBundles;
import com.edgeinspect.core.bundle.Bundle;
import com.edgeinspect.core.bundle.Keys;
import com.edgeinspect.core.bundle.Manifest;
import com.edgeinspect.core.mqtt.TopicAliases;
import com.edgeinspect.core.ship.Chunk;
import com.edgeinspect.core.ship.ModelState;
import com.edgeinspect.core.ship.Offer;
import com.edgeinspect.core.ship.Shipper;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every way a shipped model can be wrong is refused with a reason on {@code model/state}, and the serving model
 * keeps serving: bad and untrusted signatures, tampered model bytes and manifest, an oversize bundle, a zip-slip
 * entry, a wrong input shape, a float graph declared int8, NaN outputs, a golden mismatch, a transfer with missing, truncated and foreign chunks,
 * and garbage on every model topic.
 */
class ShipRejectionTest {

    /** The box's bundle size limit here: a little above the factory bundle, which it must still load. */
    static final int LIMIT_MB = factoryMb() + 1;

    @TempDir
    Path tmp;

    private int version = 600;

    private static int factoryMb() {
        try {
            return (int) Math.ceil(Files.size(TestBundles.FACTORY) / (1024.0 * 1024.0));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** A version newer than the serving one, fresh per case. */
    private String next() {
        return "0." + (version++) + ".0";
    }

    @Test
    void badBundlesAreRejectedWithAReasonAndTheServingModelStays() throws Exception {
        KeyPair key = Fleet.key(tmp);
        HttpClient http = HttpClient.newHttpClient();
        Path brokerDir = Files.createDirectories(tmp.resolve("broker"));
        try (Mosquitto broker = Mosquitto.start(brokerDir);
                Appliance box = Fleet.start(Fleet.config("box-x", List.of("line-9"), broker.port,
                        tmp.resolve("x"), Harness.REPO.resolve("test-videos/clean-line.mp4"), tmp.resolve("fleet.pub"),
                        "{request_interval_seconds: 1, transfer_timeout_seconds: 3}")
                        .replace("threads: 1}", "threads: 1, max_bundle_mb: " + LIMIT_MB + "}"), "x");
                Shipper shipper = Fleet.shipper(broker.port, new Fleet.Log())) {
            Mosquitto.explained(brokerDir, () -> {
                String base = "http://127.0.0.1:" + box.httpPort();
                Harness.await(() -> Harness.get(http, base + "/ready").statusCode() == 200, "ready", 30);

                refused(shipper, TestBundles.factoryAs(next(), Keys.generate()), "which is not trusted");

                byte[] good = TestBundles.factoryAs(next(), key);
                Map<String, byte[]> forged = TestBundles.entries(good);
                forged.put("manifest.sig", ("{\"key\":\"" + Keys.id(key.getPublic()) + "\",\"signature\":\""
                        + Base64.getEncoder().encodeToString(new byte[64]) + "\"}").getBytes(StandardCharsets.UTF_8));
                refused(shipper, TestBundles.zip(forged), "signature does not verify");

                Map<String, byte[]> tamperedModel = TestBundles.entries(TestBundles.factoryAs(next(), key));
                tamperedModel.get("model.onnx")[tamperedModel.get("model.onnx").length / 2] ^= 1;
                refused(shipper, TestBundles.zip(tamperedModel), "model.onnx does not match its SHA-256");

                Map<String, byte[]> tamperedManifest = TestBundles.entries(TestBundles.factoryAs(next(), key));
                tamperedManifest.put("manifest.json", new String(tamperedManifest.get("manifest.json"),
                        StandardCharsets.UTF_8).replace("\"alert\" : 0.", "\"alert\" : 0.0").getBytes(StandardCharsets.UTF_8));
                assertThat(new String(tamperedManifest.get("manifest.json"), StandardCharsets.UTF_8)).contains("0.0");
                refused(shipper, TestBundles.zip(tamperedManifest), "signature does not verify");

                byte[] noise = new byte[LIMIT_MB << 20]; // incompressible: the bundle itself is over the limit
                new java.util.Random(7).nextBytes(noise);
                refused(shipper, TestBundles.factoryWith(next(), key, m -> m, f -> f.put("extra.bin", noise)),
                        "more than the limit");

                Map<String, byte[]> slip = TestBundles.entries(TestBundles.factoryAs(next(), key));
                slip.put("../../etc/cron.d/evil", "* * * * * root sh".getBytes(StandardCharsets.UTF_8));
                byte[] slipZip = TestBundles.zip(slip);
                refused(shipper, slipZip, offerFor(slipZip, slip), "is not a plain relative path");

                refused(shipper, TestBundles.factoryWith(next(), key, m -> withGoldenShape(m, List.of(1L, 1L, 256L, 768L)),
                        f -> { }), "golden[0] has shape [1, 1, 256, 768]");

                refused(shipper, TestBundles.factoryWith(next(), key, ShipRejectionTest::declaredInt8, f -> { }),
                        "the manifest says precision int8 but the graph is float");

                refused(shipper, TestBundles.factoryWith(next(), key, m -> m, f -> {
                    float[] in = TestBundles.floats(f.get("golden/real-input.bin"));
                    Arrays.fill(in, 0, 1000, Float.NaN);
                    f.put("golden/real-input.bin", TestBundles.floats(in));
                }), "holds NaN");

                refused(shipper, TestBundles.factoryWith(next(), key, m -> m, f -> {
                    float[] out = TestBundles.floats(f.get("golden/real-heatmap.bin"));
                    out[17] += 0.5f;
                    f.put("golden/real-heatmap.bin", TestBundles.floats(out));
                }), "differs from the expected values");

                stalledTransferIsRejected(broker.port, key, shipper);
                garbageOnEveryModelTopicChangesNothing(broker.port, shipper);

                assertThat(Fleet.servingVersion(http, base)).isEqualTo(TestBundles.FACTORY_VERSION);
                long processed = Fleet.stream(http, base).getLong("processed");
                Harness.await(() -> Fleet.stream(http, base).getLong("processed") > processed, "frames still flowing", 10);
            });
        }
    }

    private void refused(Shipper shipper, byte[] bundle, String reason) throws Exception {
        refused(shipper, bundle, Offer.of(bundle, 64 * 1024, false), reason);
    }

    private void refused(Shipper shipper, byte[] bundle, Offer offer, String reason) throws Exception {
        Shipper.Result r = shipper.ship(bundle, offer, List.of(List.of(Shipper.Target.device("box-x"))),
                Duration.ofSeconds(60), Duration.ZERO);
        assertThat(r.ok()).isFalse();
        assertThat(r.failure()).startsWith("box-x rejected: ").contains(reason);
        assertThat(shipper.devices().get("box-x").state().serving().version()).isEqualTo(TestBundles.FACTORY_VERSION);
    }

    /** What a malicious shipper would offer for a bundle no honest one would make: the chunk plan of the zip. */
    private static Offer offerFor(byte[] zip, Map<String, byte[]> entries) {
        int chunk = 64 * 1024;
        List<String> hashes = new ArrayList<>();
        for (int i = 0; i * chunk < zip.length; i++) {
            hashes.add(Bundle.sha256(Arrays.copyOfRange(zip, i * chunk, Math.min(zip.length, (i + 1) * chunk))));
        }
        Manifest m;
        try {
            m = Manifest.parse(entries.get("manifest.json"), "test");
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        return new Offer(Offer.FORMAT, UUID.randomUUID().toString(), Instant.now().toString(), m.name(), m.version(),
                Bundle.sha256(zip), zip.length, chunk, hashes,
                Base64.getEncoder().encodeToString(entries.get("manifest.json")),
                Base64.getEncoder().encodeToString(entries.get("manifest.sig")), false);
    }

    /** A float graph whose manifest claims int8: TensorRT would build an int8 engine with no scales. */
    private static Manifest declaredInt8(Manifest m) {
        Manifest.Model d = m.model();
        return new Manifest(m.format(), m.name(), m.version(), m.created(), new Manifest.Model(d.file(), d.input(),
                d.mean(), d.std(), d.align(), d.stride(), d.outputs(), d.opset(), "int8", d.earlyExit()), m.classes(), m.thresholds(),
                m.files(), m.golden(), m.metrics(), m.provenance());
    }

    private static Manifest withGoldenShape(Manifest m, List<Long> shape) {
        List<Manifest.Golden> golden = new ArrayList<>(m.golden());
        Manifest.Golden g = golden.get(0);
        golden.set(0, new Manifest.Golden(g.input(), shape, g.outputs(), g.tolerance()));
        return new Manifest(m.format(), m.name(), m.version(), m.created(), m.model(), m.classes(), m.thresholds(),
                m.files(), golden, m.metrics(), m.provenance());
    }

    /**
     * An offer nobody serves, but for one truncated chunk and one chunk of another bundle: the device asks again
     * each second and gives up after the transfer timeout.
     */
    private void stalledTransferIsRejected(int port, KeyPair key, Shipper observer) throws Exception {
        byte[] bundle = TestBundles.factoryAs(next(), key);
        Offer offer = Offer.of(bundle, 64 * 1024, false);
        byte[] other = TestBundles.factoryAs(next(), key);
        Offer otherOffer = Offer.of(other, 64 * 1024, false);
        MqttClient c = client(port);
        Harness.publish(c, "test/box-x/model/offer", offer.toJson(), 1, true);
        byte[] whole = Chunk.encode(offer.sha256(), 0, offer.chunks().size(), offer.chunk(bundle, 0));
        Harness.publish(c, "test/box-x/model/chunk/" + offer.sha256(), Arrays.copyOf(whole, whole.length - 100), 1, false);
        Harness.publish(c, "test/box-x/model/chunk/" + offer.sha256(),
                Chunk.encode(otherOffer.sha256(), 1, otherOffer.chunks().size(), otherOffer.chunk(other, 1)), 1, false);
        Harness.await(() -> {
            ModelState s = observer.devices().get("box-x").state();
            return s.sha256() != null && s.sha256().equals(offer.sha256()) && s.state().equals("rejected");
        }, "the stalled transfer rejected", 20);
        ModelState s = observer.devices().get("box-x").state();
        assertThat(s.reason()).contains("transfer stalled").contains("[0, " + (offer.chunks().size() - 1) + "]");
        assertThat(s.serving().version()).isEqualTo(TestBundles.FACTORY_VERSION);
        Harness.publish(c, "test/box-x/model/offer", new byte[0], 1, true);
        c.disconnect();
        c.close();
    }

    private void garbageOnEveryModelTopicChangesNothing(int port, Shipper observer) throws Exception {
        ModelState before = observer.devices().get("box-x").state();
        MqttClient c = client(port);
        List<byte[]> garbage = List.of("{".getBytes(StandardCharsets.UTF_8), "null".getBytes(StandardCharsets.UTF_8),
                "[1,2]".getBytes(StandardCharsets.UTF_8), "{\"format\":\"edgeinspect-offer/1\"}".getBytes(StandardCharsets.UTF_8),
                new byte[] {'V', 'I', 'C', '1', (byte) 0xff, (byte) 0xff, 1, 2}, new byte[] {(byte) 0xc3, 0x28});
        Map<String, Boolean> topics = new LinkedHashMap<>();
        topics.put("test/box-x/model/offer", true);
        topics.put("fleet/line-9/model/offer", true);
        topics.put("test/box-x/model/chunk/" + "0".repeat(64), false);
        topics.put("test/box-x/model/chunk/x", false);
        topics.put("test/box-x/cmd/rollback", false);
        topics.put("test/box-x/cmd/self-destruct", false);
        for (Map.Entry<String, Boolean> t : topics.entrySet()) {
            for (byte[] g : garbage) {
                Harness.publish(c, t.getKey(), g, 1, t.getValue());
            }
        }
        Thread.sleep(2000);
        ModelState after = observer.devices().get("box-x").state();
        assertThat(after.state()).isEqualTo(before.state());
        assertThat(after.sha256()).isEqualTo(before.sha256());
        assertThat(after.serving().version()).isEqualTo(TestBundles.FACTORY_VERSION);
        for (String t : List.of("test/box-x/model/offer", "fleet/line-9/model/offer")) {
            Harness.publish(c, t, new byte[0], 1, true);
        }
        c.disconnect();
        c.close();
    }

    private static MqttClient client(int port) throws Exception {
        MqttClient c = new MqttClient("tcp://127.0.0.1:" + port, "tester-" + System.nanoTime(),
                new MemoryPersistence());
        c.connect(new MqttConnectionOptions());
        TopicAliases.disable(c); // Harness.publish retries what Paho refuses
        return c;
    }
}
