package com.edgeinspect.appliance;

import static org.assertj.core.api.Assertions.assertThat;

import com.edgeinspect.appliance.config.ApplianceConfig;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The broker goes away for 30 s while the line keeps producing alerts: the appliance spools them on disk and, once
 * the broker is back, delivers every one, in order; a consumer that deduplicates by (id, sequence) sees each exactly
 * once. Debian's mosquitto with persistence, so the consumer's session survives the restart like a real deployment.
 * And a box that boots before its broker (a factory coming back from a power cut) keeps trying until it is there.
 */
class BrokerOutageTest {

    @TempDir
    Path tmp;

    @Test
    void everyAlertArrivesOnceAfterA30SecondOutage() throws Exception {
        int port = Mosquitto.freePort();
        String url = "tcp://127.0.0.1:" + port;
        Mosquitto broker = Mosquitto.start(tmp, port, true);
        BlockingQueue<Harness.Msg> got = new LinkedBlockingQueue<>();
        MqttClient sub = new MqttClient(url, "outage-consumer", new MemoryPersistence());
        MqttConnectionOptions o = new MqttConnectionOptions();
        o.setCleanStart(false);
        o.setSessionExpiryInterval(3600L);
        sub.setCallback(new Harness.Collector(got));
        sub.connect(o);
        sub.subscribe(new String[] {"test/box-t/alerts"}, new int[] {1});
        String yaml = Harness.config("mixed-defects", port, tmp.resolve("state"))
                .replace("loop: false", "loop: true");
        ApplianceConfig config = Harness.load(yaml, "outage");
        HttpClient http = HttpClient.newHttpClient();
        try (Appliance appliance = Appliance.start(config)) {
            String base = "http://127.0.0.1:" + appliance.httpPort();
            Harness.await(() -> got.size() >= 3, "first alerts", 60);
            broker.close();
            long outageEnds = System.nanoTime() + 30_000_000_000L;
            int spooled = 0;
            while (System.nanoTime() < outageEnds) {
                Thread.sleep(1000);
                spooled = Math.max(spooled, Harness.pending(http, base));
            }
            assertThat(spooled).as("alerts waiting in the spool during the outage").isPositive();
            broker = Mosquitto.start(tmp, port, true);
            int most = spooled;
            Mosquitto.explained(tmp, () -> {
                Harness.await(() -> Harness.pending(http, base) == 0, "spool drained", 60);
                // The consumer comes back later; its persistent session kept what arrived meanwhile.
                if (!sub.isConnected()) {
                    sub.connect(o);
                }
                Harness.await(() -> Harness.pending(http, base) == 0, "spool drained", 60);
                System.out.printf("outage: %d alerts spooled at most; %s%n", most,
                        Harness.awaitEveryAlertOnce(http, base, got));
            });
        } finally {
            sub.disconnectForcibly(1000);
            sub.close(true);
            broker.close();
        }
    }

    @Test
    void aBoxThatBootsBeforeItsBrokerConnectsWhenItComes() throws Exception {
        int port = Mosquitto.freePort();
        ApplianceConfig config = Harness.load(Harness.config("mixed-defects", port, tmp.resolve("state"))
                .replace("loop: false", "loop: true"), "early-box");
        HttpClient http = HttpClient.newHttpClient();
        Mosquitto broker = null;
        MqttClient sub = new MqttClient("tcp://127.0.0.1:" + port, "late-consumer", new MemoryPersistence());
        try (Appliance appliance = Appliance.start(config)) {
            String base = "http://127.0.0.1:" + appliance.httpPort();
            Harness.await(() -> Harness.pending(http, base) >= 3, "alerts spooled with no broker", 60);
            broker = Mosquitto.start(tmp, port, false);
            BlockingQueue<Harness.Msg> got = new LinkedBlockingQueue<>();
            sub.setCallback(new Harness.Collector(got));
            sub.connect();
            sub.subscribe(new String[] {"test/box-t/alerts"}, new int[] {1});
            Harness.await(() -> Harness.status(http, base).getJsonObject("mqtt").getBoolean("connected"),
                    "the box connected", 30);
            Harness.await(() -> Harness.pending(http, base) == 0, "spool drained", 60);
            assertThat(Harness.status(http, base).getJsonObject("alerts").getLong("delivered"))
                    .as("alerts delivered from the spool").isPositive();
            // The line goes on: alerts recorded after the consumer subscribed reach it (earlier ones may have gone to
            // a broker with no subscriber yet, as they would in a plant).
            Harness.await(() -> !got.isEmpty(), "an alert through the broker", 60);
        } finally {
            if (sub.isConnected()) {
                sub.disconnectForcibly(1000);
            }
            sub.close(true);
            if (broker != null) {
                broker.close();
            }
        }
    }
}
