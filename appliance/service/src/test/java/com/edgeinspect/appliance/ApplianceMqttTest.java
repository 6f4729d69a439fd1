package com.edgeinspect.appliance;

import static org.assertj.core.api.Assertions.assertThat;

import com.edgeinspect.appliance.config.ApplianceConfig;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttCallback;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.MqttDisconnectResponse;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The appliance against real brokers over TCP (its embedded HiveMQ, and Debian's mosquitto): it announces itself
 * retained, publishes stats of the stream it decodes, reports ready over HTTP, and says goodbye when stopped.
 */
class ApplianceMqttTest {

    @TempDir
    Path tmp;

    record Msg(String topic, JsonObject json, boolean retained) {}

    @Test
    void withEmbeddedHiveMq() throws Exception {
        int port = Mosquitto.freePort();
        run(new ApplianceConfig.EmbeddedBroker(true, "127.0.0.1", port), port);
    }

    @Test
    void withDebianMosquitto() throws Exception {
        try (Mosquitto m = Mosquitto.start(tmp)) {
            run(null, m.port);
        }
    }

    private void run(ApplianceConfig.EmbeddedBroker embedded, int port) throws Exception {
        String url = "tcp://127.0.0.1:" + port;
        ApplianceConfig config = new ApplianceConfig(new ApplianceConfig.Device("box-t"),
                new ApplianceConfig.Mqtt(url, "test/{deviceId}", embedded, 1),
                new ApplianceConfig.Http("127.0.0.1", 0),
                List.of(new ApplianceConfig.Stream("line1", FfmpegSourceTestClip.PATH, true, true)));
        BlockingQueue<Msg> got = new LinkedBlockingQueue<>();
        try (Appliance appliance = Appliance.start(config)) {
            MqttClient sub = new MqttClient(url, "test-subscriber", new MemoryPersistence());
            MqttConnectionOptions o = new MqttConnectionOptions();
            o.setAutomaticReconnect(true);
            sub.connect(o);
            sub.setCallback(new Collector(got));
            // MqttClient.subscribe(String, int, listener) recurses forever in Paho 1.2.5; this overload does not.
            sub.subscribe(new String[] {"test/box-t/#"}, new int[] {1});
            Msg status = next(got, "test/box-t/status");
            assertThat(status.json().getString("state")).isEqualTo("online");
            assertThat(status.json().getString("device")).isEqualTo("box-t");
            Msg stats = next(got, "test/box-t/stats");
            JsonObject stream = stats.json().getJsonArray("streams").getJsonObject(0);
            assertThat(stream.getString("name")).isEqualTo("line1");

            HttpClient http = HttpClient.newHttpClient();
            URI ready = URI.create("http://127.0.0.1:" + appliance.httpPort() + "/ready");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            int code;
            do {
                code = http.send(HttpRequest.newBuilder(ready).build(), HttpResponse.BodyHandlers.ofString()).statusCode();
                Thread.sleep(100);
            } while (code != 200 && System.nanoTime() < deadline);
            assertThat(code).isEqualTo(200);
            JsonObject s = new JsonObject(http.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + appliance.httpPort() + "/api/status")).build(),
                    HttpResponse.BodyHandlers.ofString()).body());
            assertThat(s.getJsonArray("streams").getJsonObject(0).getLong("decoded")).isPositive();
            assertThat(s.getJsonObject("mqtt").getBoolean("connected")).isTrue();
            // A client arriving later learns the box's state from the retained status.
            BlockingQueue<Msg> late = new LinkedBlockingQueue<>();
            MqttClient lateSub = new MqttClient(url, "test-late", new MemoryPersistence());
            lateSub.connect(o);
            lateSub.setCallback(new Collector(late));
            lateSub.subscribe(new String[] {"test/box-t/status"}, new int[] {1});
            Msg retained = next(late, "test/box-t/status");
            assertThat(retained.retained()).isTrue();
            assertThat(retained.json().getString("state")).isEqualTo("online");
            lateSub.disconnect();
            lateSub.close();
            got.clear();
            if (embedded == null) {
                appliance.close();
                Msg bye = next(got, "test/box-t/status");
                assertThat(bye.json().getString("state")).isEqualTo("offline");
                sub.disconnect();
            } else {
                sub.disconnect(); // the embedded broker goes away with the appliance
            }
            sub.close();
        }
    }

    /** Collects every message as JSON. */
    private record Collector(BlockingQueue<Msg> got) implements MqttCallback {
        @Override
        public void messageArrived(String topic, MqttMessage m) {
            got.add(new Msg(topic, new JsonObject(new String(m.getPayload(), StandardCharsets.UTF_8)), m.isRetained()));
        }

        @Override
        public void disconnected(MqttDisconnectResponse r) {}

        @Override
        public void mqttErrorOccurred(MqttException e) {}

        @Override
        public void deliveryComplete(IMqttToken t) {}

        @Override
        public void connectComplete(boolean reconnect, String uri) {}

        @Override
        public void authPacketArrived(int code, MqttProperties p) {}
    }

    private static Msg next(BlockingQueue<Msg> q, String topic) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            Msg m = q.poll(100, TimeUnit.MILLISECONDS);
            if (m != null && m.topic().equals(topic)) {
                return m;
            }
        }
        throw new AssertionError("no message on " + topic + " within 30 s");
    }
}
