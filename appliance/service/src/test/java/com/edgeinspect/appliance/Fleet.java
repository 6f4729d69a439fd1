package com.edgeinspect.appliance;

import com.edgeinspect.appliance.config.ApplianceConfig;
import com.edgeinspect.core.ship.ModelState;
import com.edgeinspect.core.mqtt.MqttAuth;
import com.edgeinspect.core.ship.Shipper;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/** What the model-shipping tests share: appliances on a looping clip in fleet groups, a shipper that logs, keys. */
final class Fleet {

    static final String PREFIX = "test/{deviceId}";

    private Fleet() {}

    /**
     * A device on a looping clip, following {@code groups}, trusting the demo key and {@code fleetKey}. Its detector
     * sees {@link Harness#BAND}: two boxes on two cores must keep up with every frame on a slow machine too.
     */
    static String config(String device, List<String> groups, int port, Path state, Path clip, Path fleetKey,
            String install) {
        return """
                device: {id: %s, groups: %s}
                mqtt: {url: "tcp://127.0.0.1:%d", prefix: "%s", stats_interval_seconds: 5}
                http: {bind_address: 127.0.0.1, port: 0}
                model: {bundle: %s, trusted_keys: [%s, %s], providers: [cpu], threads: 1}
                install: %s
                storage: {dir: "%s"}
                streams:
                  - {name: line1, url: "%s", loop: true, realtime: true, %s}
                """.formatted(device, groups, port, PREFIX, Harness.REPO.resolve("models/default.vimodel"),
                Harness.REPO.resolve("models/demo-signing.pub"), fleetKey, install, state, clip, Harness.BAND);
    }

    static Appliance start(String yaml, String name) throws Exception {
        ApplianceConfig c = Harness.load(yaml, name);
        return Appliance.start(c);
    }

    /** The fleet key pair, its public half written to {@code dir/fleet.pub}. */
    static KeyPair key(Path dir) throws Exception {
        KeyPair key = com.edgeinspect.core.bundle.Keys.generate();
        com.edgeinspect.core.bundle.Keys.writePublic(key.getPublic(), dir.resolve("fleet.pub"));
        return key;
    }

    /** The committed clip at a lower frame rate, so two appliances on two cores keep up with every frame. */
    static Path slowClip(Path dir, int fps) throws Exception {
        Path out = dir.resolve("slow-" + fps + "fps.mp4");
        Process p = new ProcessBuilder("ffmpeg", "-v", "error", "-y", "-i",
                Harness.REPO.resolve("test-videos/mixed-defects.mp4").toString(), "-t", "6", "-vf", "fps=" + fps,
                "-c:v", "libx264", "-preset", "ultrafast", "-g", Integer.toString(fps), out.toString())
                .redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException("ffmpeg failed (install Debian's ffmpeg; .ci/run does): " + log);
        }
        return out;
    }

    /** A shipper that prints what it sees and keeps every state message. */
    static final class Log implements Shipper.Listener {
        final List<String> lines = new CopyOnWriteArrayList<>();
        final Map<String, List<ModelState>> states = new ConcurrentHashMap<>();

        @Override
        public void state(String device, ModelState s) {
            states.computeIfAbsent(device, d -> new CopyOnWriteArrayList<>()).add(s);
            print(device + ": " + Shipper.describe(s));
        }

        @Override
        public void sent(String device, int chunks, int count) {}

        @Override
        public void info(String message) {
            print(message);
        }

        private void print(String line) {
            lines.add(line);
            System.out.println("[ship] " + line);
        }

        /** The last state a device published, or null. */
        ModelState last(String device) {
            List<ModelState> l = states.get(device);
            return l == null || l.isEmpty() ? null : l.get(l.size() - 1);
        }
    }

    static Shipper shipper(int port, Log log) throws Exception {
        return new Shipper("tcp://127.0.0.1:" + port, "shipper-" + System.nanoTime(), MqttAuth.NONE, PREFIX, 10, log);
    }

    /** The first stream's status of the appliance at {@code base}. */
    static JsonObject stream(HttpClient http, String base) throws Exception {
        return Harness.status(http, base).getJsonArray("streams").getJsonObject(0);
    }

    static String servingVersion(HttpClient http, String base) throws Exception {
        return new JsonObject(Harness.get(http, base + "/api/model").body()).getString("version");
    }

    static byte[] read(Path p) throws Exception {
        return Files.readAllBytes(p);
    }
}
