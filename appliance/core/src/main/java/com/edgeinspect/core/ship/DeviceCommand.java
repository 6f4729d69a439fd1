package com.edgeinspect.core.ship;

import com.edgeinspect.core.mqtt.MqttAuth;
import com.edgeinspect.core.mqtt.MqttListener;
import com.edgeinspect.core.mqtt.TopicAliases;
import com.edgeinspect.core.mqtt.Topics;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.MqttDisconnectResponse;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;

/**
 * Commands to one device ({@code {prefix}/cmd/{name}}) with MQTT 5 request/response: each request names a reply
 * topic under the device's prefix ({@link Topics#replies}) and carries correlation data that its answer returns.
 */
public final class DeviceCommand implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final MqttClient client;
    private final Topics topics;
    private final String replies;
    private final ConcurrentHashMap<String, CompletableFuture<JsonNode>> waiting = new ConcurrentHashMap<>();

    public DeviceCommand(String url, String clientId, MqttAuth auth, String prefixTemplate, String device)
            throws MqttException {
        this.topics = Topics.of(prefixTemplate, device);
        this.replies = topics.replies(clientId);
        this.client = new MqttClient(url, clientId, new MemoryPersistence());
        client.setCallback(new Answers());
        MqttConnectionOptions o = new MqttConnectionOptions();
        o.setCleanStart(true);
        o.setConnectionTimeout(10);
        auth.applyTo(o);
        client.connect(o);
        TopicAliases.disable(client);
        client.subscribe(new String[] {replies}, new int[] {1});
    }

    /** Sends {@code cmd/name} with a JSON payload and returns the device's answer; throws when none comes in time. */
    public JsonNode send(String name, Object payload, Duration timeout)
            throws MqttException, IOException, TimeoutException, InterruptedException {
        String id = UUID.randomUUID().toString();
        CompletableFuture<JsonNode> answer = new CompletableFuture<>();
        waiting.put(id, answer);
        try {
            MqttProperties p = new MqttProperties();
            p.setResponseTopic(replies);
            p.setCorrelationData(id.getBytes(StandardCharsets.UTF_8));
            client.publish(topics.command(name), new MqttMessage(JSON.writeValueAsBytes(payload), 1, false, p));
            return answer.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new IOException(e.getCause());
        } catch (TimeoutException e) {
            throw new TimeoutException("no answer to cmd/" + name + " on " + topics.prefix() + " within " + timeout);
        } finally {
            waiting.remove(id);
        }
    }

    /**
     * Times a signed bundle's model on the device ({@code cmd/benchmark}); returns its median milliseconds per
     * inference, or throws with the device's reason.
     */
    public double benchmark(byte[] bundle, int runs, int width, int height, Duration timeout)
            throws MqttException, IOException, TimeoutException, InterruptedException {
        JsonNode a = send("benchmark", java.util.Map.of("bundle", Base64.getEncoder().encodeToString(bundle), "runs",
                runs, "width", width, "height", height), timeout);
        if (!a.path("ok").asBoolean(false) || !a.path("medianMs").isNumber()) {
            throw new IOException(topics.prefix() + " could not benchmark the bundle: " + a.path("error").asText(
                    a.toString()));
        }
        return a.get("medianMs").asDouble();
    }

    @Override
    public void close() throws MqttException {
        try {
            client.disconnect();
        } finally {
            client.close();
        }
    }

    private final class Answers extends MqttListener {
        @Override
        public void messageArrived(String topic, MqttMessage message) {
            byte[] id = message.getProperties() == null ? null : message.getProperties().getCorrelationData();
            CompletableFuture<JsonNode> f = id == null ? null : waiting.get(new String(id, StandardCharsets.UTF_8));
            if (f == null) {
                return; // not ours, or too late
            }
            try {
                f.complete(JSON.readTree(message.getPayload()));
            } catch (IOException e) {
                f.completeExceptionally(new IOException("the answer is not JSON: " + e.getMessage(), e));
            }
        }

        @Override
        public void disconnected(MqttDisconnectResponse response) {
            waiting.values().forEach(f -> f.completeExceptionally(new IOException("disconnected from the broker: "
                    + response.getReasonString())));
        }
    }
}
