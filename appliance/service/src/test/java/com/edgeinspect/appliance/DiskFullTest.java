package com.edgeinspect.appliance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The disk under the appliance's state fills up (a small tmpfs, filled by the test): the line keeps running, alerts
 * still reach the broker (sent without the spool while it cannot write), and once space is back the spool takes over
 * again. Needs permission to mount a tmpfs (root, as in CI); skipped, saying so, where that is not allowed.
 */
class DiskFullTest {

    @TempDir
    Path tmp;

    @Test
    void aFullDiskNeitherStopsTheLineNorSilencesItsAlerts() throws Exception {
        Path state = Files.createDirectories(tmp.resolve("state"));
        assumeTrue(run("mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", state.toString()),
                "cannot mount a tmpfs here (needs root): the full-disk test is skipped");
        int port = Mosquitto.freePort();
        HttpClient http = HttpClient.newHttpClient();
        try (Mosquitto broker = Mosquitto.start(Files.createDirectories(tmp.resolve("broker")), port, false)) {
            BlockingQueue<Harness.Msg> got = new LinkedBlockingQueue<>();
            MqttClient consumer = new MqttClient("tcp://127.0.0.1:" + port, "consumer", new MemoryPersistence());
            consumer.setCallback(new Harness.Collector(got));
            consumer.connect(new MqttConnectionOptions());
            consumer.subscribe(new String[] {"test/box-t/alerts"}, new int[] {1});
            // Few events kept: the event store's snapshots alone must not fill the 8 MB again once space is back.
            String yaml = Harness.config("mixed-defects", port, state).replace("loop: false", "loop: true")
                    .replace("storage: {dir: \"" + state + "\"}", "storage: {dir: \"" + state + "\", events_max: 5}");
            try (Appliance box = Appliance.start(Harness.load(yaml, "disk"))) {
                String base = "http://127.0.0.1:" + box.httpPort();
                Harness.await(() -> got.size() >= 2, "first alerts", 60);
                // Kept full: the event store's pruning and the spool's acknowledged files free space as they go.
                Path filler = state.resolve("filler");
                fill(filler);
                got.clear();
                Harness.await(() -> fill(filler) && alerts(http, base, "unspooled") > 0, "alerts sent without the spool",
                        60);
                Harness.await(() -> fill(filler) && got.size() >= 3, "alerts still arriving with the disk full", 60);
                assertThat(Harness.get(http, base + "/health").statusCode()).isEqualTo(200);
                assertThat(Fleet.stream(http, base).getString("state")).isEqualTo("running");

                Files.delete(filler);
                Thread.sleep(2000);
                long unspooled = alerts(http, base, "unspooled");
                got.clear();
                Harness.await(() -> got.size() >= 3, "alerts after space came back", 60);
                assertThat(alerts(http, base, "unspooled")).as("the spool took over again").isEqualTo(unspooled);
                System.out.printf("disk full: %d messages sent without the spool; the line ran on%n", unspooled);
            } finally {
                consumer.disconnect();
                consumer.close();
            }
        } finally {
            run("umount", state.toString());
        }
    }

    private static long alerts(HttpClient http, String base, String key) throws Exception {
        return Harness.status(http, base).getJsonObject("alerts").getLong(key);
    }

    /** Appends to {@code file} until the filesystem says it is full; true, for use inside a wait's check. */
    private static boolean fill(Path file) {
        byte[] block = new byte[4 * 1024];
        try (OutputStream out = Files.newOutputStream(file, StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
            while (true) {
                out.write(block);
            }
        } catch (IOException full) {
            return true; // no space left: as intended
        }
    }

    private static boolean run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
    }
}
