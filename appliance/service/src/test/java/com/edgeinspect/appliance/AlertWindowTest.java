package com.edgeinspect.appliance;

import static org.assertj.core.api.Assertions.assertThat;

import com.edgeinspect.appliance.publish.AlertPublisher;
import com.edgeinspect.appliance.publish.MqttLink;
import com.edgeinspect.appliance.publish.Spool;
import com.edgeinspect.core.mqtt.MqttAuth;
import com.edgeinspect.core.mqtt.Topics;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.stream.IntStream;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Alerts do not wait a round trip behind the ones before them: with the broker's acknowledgements held back on the
 * way to the box, a window of them reaches the broker, and no more; released, every one is acknowledged and arrives
 * once, in order.
 */
class AlertWindowTest {

    @TempDir
    Path tmp;

    @Test
    void aWindowOfAlertsIsOnItsWayBeforeTheFirstIsAcknowledged() throws Exception {
        int n = 20;
        try (Mosquitto broker = Mosquitto.start(java.nio.file.Files.createDirectories(tmp.resolve("broker")),
                        Mosquitto.freePort(), false);
                TcpProxy net = new TcpProxy(broker.port);
                MqttLink link = new MqttLink("tcp://127.0.0.1:" + net.port, "box-a",
                        Topics.of("test/{deviceId}", "box-a"), MqttAuth.NONE, () -> "{}", "{}")) {
            MqttClient sub = new MqttClient("tcp://127.0.0.1:" + broker.port, "watcher", new MemoryPersistence());
            LinkedBlockingQueue<Harness.Msg> got = new LinkedBlockingQueue<>();
            sub.setCallback(new Harness.Collector(got));
            sub.connect(new MqttConnectionOptions());
            sub.subscribe(new String[] {"box-a/alerts"}, new int[] {1});
            Harness.await(link::connected, "connected", 20);
            int window = link.window();
            assertThat(window).as("mosquitto's Receive Maximum of 20, halved, at most 8").isEqualTo(8);

            Spool spool = new Spool(tmp.resolve("spool"), 1000);
            List<Long> acked = new CopyOnWriteArrayList<>();
            try (AlertPublisher publisher = new AlertPublisher(spool, link, m -> acked.add(m.sequence()))) {
                net.holdReplies();
                List<Spool.Outgoing> alerts = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    alerts.add(new Spool.Outgoing("box-a/alerts", 1, ("a" + i).getBytes(StandardCharsets.UTF_8),
                            false, System.nanoTime()));
                }
                spool.append(alerts);
                Harness.await(() -> got.size() >= window, "a window of alerts at the broker", 20);
                Thread.sleep(1000); // more would come now if the window did not hold them
                assertThat(got).as("no more than the window before an acknowledgement").hasSize(window);
                assertThat(acked).isEmpty();
                assertThat(spool.size()).isEqualTo(n);

                net.releaseReplies();
                Harness.await(() -> acked.size() == n, "every alert acknowledged", 30);
                Harness.await(() -> got.size() >= n, "every alert at the subscriber", 30);
                Thread.sleep(500); // a duplicate would show now
            }
            assertThat(got.stream().map(m -> new String(m.payload(), StandardCharsets.UTF_8)).toList())
                    .containsExactlyElementsOf(IntStream.range(0, n).mapToObj(i -> "a" + i).toList());
            assertThat(acked).isSorted();
            assertThat(spool.size()).isZero();
            sub.disconnect();
            sub.close();
        }
    }
}
