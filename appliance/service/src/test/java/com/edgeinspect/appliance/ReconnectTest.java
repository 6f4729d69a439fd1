package com.edgeinspect.appliance;

import static org.assertj.core.api.Assertions.assertThat;

import com.edgeinspect.core.mqtt.MqttListener;
import com.edgeinspect.core.mqtt.Reconnect;
import com.edgeinspect.core.mqtt.Topics;
import com.edgeinspect.core.ship.Shipper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.MqttDisconnectResponse;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The connection loop every client of ours shares, against Debian's mosquitto: a client started before its broker
 * connects when the broker comes, follows it through a SIGKILL and a restart, and stops trying once closed; the
 * shipper, which uses it, watches the fleet again after its broker restarts.
 */
class ReconnectTest {

    @TempDir
    Path tmp;

    @Test
    void followsTheBrokerFromBeforeItStartsThroughARestartUntilClosed() throws Exception {
        int port = Mosquitto.freePort();
        MqttAsyncClient client = new MqttAsyncClient("tcp://127.0.0.1:" + port, "loop", new MemoryPersistence());
        MqttConnectionOptions o = new MqttConnectionOptions();
        o.setConnectionTimeout(2);
        o.setKeepAliveInterval(2);
        AtomicInteger connects = new AtomicInteger();
        AtomicInteger failures = new AtomicInteger();
        Reconnect loop = new Reconnect(client, o, 1000, new Reconnect.Listener() {
            @Override
            public void connected(IMqttToken token) {
                connects.incrementAndGet();
            }

            @Override
            public void failed(int inARow, Throwable cause, long retryMillis) {
                assertThat(retryMillis).as("backoff capped at the maximum").isEqualTo(1000L);
                failures.incrementAndGet();
            }
        });
        client.setCallback(new MqttListener() {
            @Override
            public void disconnected(MqttDisconnectResponse response) {
                loop.soon(200);
            }
        });
        Mosquitto broker = null;
        try {
            loop.soon(0);
            Harness.await(() -> failures.get() >= 3, "attempts while no broker listens", 20);
            assertThat(client.isConnected()).isFalse();

            broker = Mosquitto.start(tmp, port, false);
            Harness.await(client::isConnected, "connected once the broker is up", 20);
            assertThat(connects.get()).isEqualTo(1);

            broker.kill();
            Harness.await(() -> !client.isConnected(), "the loss noticed", 20);
            broker = Mosquitto.start(tmp, port, false);
            Harness.await(client::isConnected, "connected again after the restart", 20);
            assertThat(connects.get()).isEqualTo(2);

            loop.close();
            broker.kill();
            Harness.await(() -> !client.isConnected(), "the second loss noticed", 20);
            broker = Mosquitto.start(tmp, port, false);
            Thread.sleep(3000);
            assertThat(client.isConnected()).as("no attempt after close").isFalse();
            assertThat(connects.get()).isEqualTo(2);
        } finally {
            loop.close();
            client.close(true);
            if (broker != null) {
                broker.close();
            }
        }
    }

    @Test
    void theShipperWatchesTheFleetAgainAfterItsBrokerRestarts() throws Exception {
        int port = Mosquitto.freePort();
        Mosquitto broker = Mosquitto.start(tmp, port, false);
        try (Shipper shipper = Fleet.shipper(port, new Fleet.Log())) {
            announce(port, "box-a");
            Harness.await(() -> shipper.devices().containsKey("box-a"), "a device seen", 10);
            broker.kill();
            broker = Mosquitto.start(tmp, port, false);
            announce(port, "box-b");
            Harness.await(() -> shipper.devices().containsKey("box-b"), "a device seen after the restart", 20);
        } finally {
            broker.close();
        }
    }

    /** A device's retained online status, as a box publishes it. */
    private static void announce(int port, String device) throws Exception {
        MqttClient c = new MqttClient("tcp://127.0.0.1:" + port, "device-" + device, new MemoryPersistence());
        c.connect();
        c.publish(Topics.of(Fleet.PREFIX, device).status(),
                "{\"state\":\"online\",\"groups\":[]}".getBytes(StandardCharsets.UTF_8), 1, true);
        c.disconnect();
        c.close();
    }
}
