package com.edgeinspect.appliance;

import static org.assertj.core.api.Assertions.assertThat;

import com.edgeinspect.appliance.model.TestBundles;
import com.edgeinspect.core.ship.Offer;
import com.edgeinspect.core.ship.Shipper;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The network between the box and its broker goes silent for 40 s (a proxy holds every byte and closes nothing, as a
 * pulled cable somewhere in between would): the box notices by keep-alive, spools its alerts, reconnects when the
 * network is back, delivers every alert once, renews its subscriptions (a model shipped afterwards installs) and is
 * left with no extra threads.
 */
class PartitionTest {

    @TempDir
    Path tmp;

    @Test
    void aSilentPartitionIsNoticedAndEveryAlertStillArrivesOnce() throws Exception {
        var key = Fleet.key(tmp);
        HttpClient http = HttpClient.newHttpClient();
        try (Mosquitto broker = Mosquitto.start(Files.createDirectories(tmp.resolve("broker")));
                TcpProxy network = new TcpProxy(broker.port)) {
            BlockingQueue<Harness.Msg> got = new LinkedBlockingQueue<>();
            MqttClient consumer = new MqttClient("tcp://127.0.0.1:" + broker.port, "consumer", new MemoryPersistence());
            consumer.setCallback(new Harness.Collector(got));
            consumer.connect(new MqttConnectionOptions());
            consumer.subscribe(new String[] {"test/box-p/alerts"}, new int[] {1});
            try (Appliance box = Fleet.start(Fleet.config("box-p", List.of(), network.port, tmp.resolve("p"),
                    Harness.REPO.resolve("test-videos/mixed-defects.mp4"), tmp.resolve("fleet.pub"),
                    "{probation_seconds: 1}"), "p")) {
                String base = "http://127.0.0.1:" + box.httpPort();
                Harness.await(() -> Harness.get(http, base + "/ready").statusCode() == 200, "ready", 30);
                Harness.await(() -> got.size() >= 3, "first alerts", 60);
                int threads = Thread.activeCount();

                network.blackhole();
                long start = System.nanoTime();
                Harness.await(() -> !mqttConnected(http, base), "the dead link noticed", 60);
                double noticed = (System.nanoTime() - start) / 1e9;
                Thread.sleep(Math.max(0, 40_000 - (System.nanoTime() - start) / 1_000_000));
                int spooled = Harness.pending(http, base);
                network.heal();
                Harness.await(() -> mqttConnected(http, base), "reconnected", 60);
                double back = (System.nanoTime() - start) / 1e9 - 40;
                Harness.await(() -> Harness.pending(http, base) == 0, "spool drained", 60);
                System.out.printf("partition: noticed after %.1f s, %d alerts spooled, reconnected %.1f s after the "
                        + "network came back; %s%n", noticed, spooled, back, Harness.awaitEveryAlertOnce(http, base,
                        got));
                assertThat(spooled).isPositive();

                byte[] bundle = TestBundles.factoryAs("0.7.0", key);
                try (Shipper s = Fleet.shipper(broker.port, new Fleet.Log())) {
                    Shipper.Result r = s.ship(bundle, Offer.of(bundle, Offer.DEFAULT_CHUNK, false),
                            List.of(List.of(Shipper.Target.device("box-p"))), Duration.ofSeconds(60), Duration.ZERO);
                    assertThat(r.ok()).as("a model shipped after the partition: " + r.failure()).isTrue();
                }
                assertThat(Thread.activeCount()).as("threads after the partition").isLessThanOrEqualTo(threads + 3);
            }
            consumer.disconnect();
            consumer.close();
        }
    }

    private static boolean mqttConnected(HttpClient http, String base) throws Exception {
        return Harness.status(http, base).getJsonObject("mqtt").getBoolean("connected");
    }
}
