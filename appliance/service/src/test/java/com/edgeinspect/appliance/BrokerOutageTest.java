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
            Harness.await(() -> Harness.pending(http, base) == 0, "spool drained", 60);
            // The consumer comes back later; its persistent session kept what arrived meanwhile.
            if (!sub.isConnected()) {
                sub.connect(o);
            }
            Harness.await(() -> Harness.pending(http, base) == 0, "spool drained", 60);
            System.out.printf("outage: %d alerts spooled at most; %s%n", spooled,
                    Harness.awaitEveryAlertOnce(http, base, got));
        } finally {
            sub.disconnectForcibly(1000);
            sub.close(true);
            broker.close();
        }
    }
}
