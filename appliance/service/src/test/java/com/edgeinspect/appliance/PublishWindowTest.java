package com.edgeinspect.appliance;

import static org.assertj.core.api.Assertions.assertThat;

import com.edgeinspect.appliance.publish.MqttLink;
import com.edgeinspect.core.mqtt.MqttAuth;
import com.edgeinspect.core.mqtt.Topics;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A publish the client refuses because the broker's receive window is full must not cost the box its connection the
 * next time it publishes on that topic. With Paho's topic aliases on, it did: the refused publish had recorded an alias
 * the broker never saw, the next one went out as that bare alias, and mosquitto disconnected the box (0x82).
 */
class PublishWindowTest {

    @TempDir
    Path tmp;

    @Test
    void aPublishRefusedForAFullWindowLeavesItsTopicUsable() throws Exception {
        try (Mosquitto broker = Mosquitto.start(tmp, Mosquitto.freePort(), false, "max_inflight_messages 3\n");
                MqttLink link = new MqttLink("tcp://127.0.0.1:" + broker.port, "box-w",
                        Topics.of("test/{deviceId}", "box-w"), MqttAuth.NONE, () -> "{}", "{}")) {
            MqttClient sub = new MqttClient("tcp://127.0.0.1:" + broker.port, "watcher", new MemoryPersistence());
            LinkedBlockingQueue<Harness.Msg> got = new LinkedBlockingQueue<>();
            sub.setCallback(new Harness.Collector(got));
            sub.connect(new MqttConnectionOptions());
            // Not the burst: a consumer that cannot keep up with 50 KB messages has them dropped by the broker
            // (its queue holds 1000), and the message this test waits for could be among them.
            sub.subscribe(new String[] {"w/fresh/#"}, new int[] {1});
            Harness.await(link::connected, "connected", 20);

            Mosquitto.explained(tmp, () -> {
                String refused = null;
                byte[] big = new byte[50_000];
                for (int i = 0; i < 100_000 && refused == null; i++) {
                    if (!link.publish("w/burst", big, 1, false)) { // the window is full now
                        String fresh = "w/fresh/" + i;
                        if (!link.publish(fresh, new byte[1], 1, false)) {
                            refused = fresh; // refused on its topic's first use
                        }
                    }
                }
                assertThat(refused).as("a publish refused for a full window").isNotNull();
                String topic = refused;
                Harness.await(() -> link.publishConfirmed("w/burst", new byte[1], 1, 2000) == MqttLink.Delivery.ACKED,
                        "the window drained", 30);

                assertThat(link.publishConfirmed(topic, "again".getBytes(StandardCharsets.UTF_8), 1, 5000))
                        .isEqualTo(MqttLink.Delivery.ACKED);
                assertThat(link.connected()).isTrue();
                Harness.Msg m;
                do {
                    m = got.poll(10, TimeUnit.SECONDS);
                } while (m != null && !m.topic().equals(topic));
                assertThat(m).as("the message on " + topic).isNotNull();
                assertThat(new String(m.payload(), StandardCharsets.UTF_8)).isEqualTo("again");
            });
            sub.disconnect();
            sub.close();
        }
    }
}
