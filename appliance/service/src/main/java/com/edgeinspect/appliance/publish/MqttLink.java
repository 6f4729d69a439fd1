package com.edgeinspect.appliance.publish;

import com.edgeinspect.core.mqtt.MqttAuth;
import com.edgeinspect.core.mqtt.MqttListener;
import com.edgeinspect.core.mqtt.Reconnect;
import com.edgeinspect.core.mqtt.TopicAliases;
import com.edgeinspect.core.mqtt.Topics;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Supplier;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttClientException;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.MqttDisconnectResponse;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The appliance's MQTT 5 connection (Eclipse Paho). Announces the device retained on {@code status} with an
 * "offline" last will, so the fleet sees a box that vanished; re-announces itself and renews its subscriptions in
 * {@code connectComplete} (a clean session forgets them; the broker then delivers the retained offers again).
 *
 * <p>It connects by itself, with backoff, for as long as it is open ({@link Reconnect}): also when the broker is not
 * there when the box boots.
 *
 * <p>Nothing is buffered in memory while disconnected: alerts and snapshots wait in the disk spool, the status and
 * the model state are published again on every connect, and stats are periodic. Paho's own offline buffer is not
 * used because in Paho 1.2.5 a publish that races the end of its drain after a reconnect lands in the buffer after
 * the drain has finished, and from then on every publish is queued behind it until the next disconnect: a connected
 * box that never delivers another alert (seen once in 60 broker restarts in a probe, none in 60 without the buffer).
 */
public final class MqttLink implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(MqttLink.class);
    /** The longest wait between two connection attempts. */
    private static final long MAX_RETRY_MS = 10_000;

    private final MqttAsyncClient client;
    private final Reconnect reconnect;
    private final Topics topics;
    private final Supplier<String> onlineStatus;
    private volatile boolean connected;
    /** The broker's Maximum Packet Size from CONNACK; a larger PUBLISH would make it drop the connection. */
    private volatile long maxPacketSize = Long.MAX_VALUE;
    private volatile String[] filters = new String[0];
    private volatile Handler handler = (topic, message) -> { };
    private final List<Runnable> onConnect = new java.util.concurrent.CopyOnWriteArrayList<>();

    /** Receives the messages of the subscriptions; runs on Paho's thread, so it must hand work off quickly. */
    @FunctionalInterface
    public interface Handler {
        void message(String topic, MqttMessage message);
    }

    /**
     * @param onlineStatus the JSON published retained on every (re)connect
     * @param offlineStatus the JSON the broker publishes if this connection dies
     */
    public MqttLink(String url, String clientId, Topics topics, MqttAuth auth, Supplier<String> onlineStatus,
            String offlineStatus) throws MqttException {
        this.topics = topics;
        this.onlineStatus = onlineStatus;
        this.client = new MqttAsyncClient(url, clientId, new MemoryPersistence());
        client.setCallback(new Callback());
        MqttConnectionOptions o = new MqttConnectionOptions();
        o.setConnectionTimeout(10);
        o.setKeepAliveInterval(15);
        o.setCleanStart(true);
        auth.applyTo(o);
        MqttMessage will = new MqttMessage(offlineStatus.getBytes(StandardCharsets.UTF_8), 1, true, new MqttProperties());
        o.setWill(topics.status(), will);
        this.reconnect = new Reconnect(client, o, MAX_RETRY_MS, new Reconnect.Listener() {
            @Override
            public void connected(IMqttToken token) {
                Long max = token.getResponseProperties() == null ? null
                        : token.getResponseProperties().getMaximumPacketSize();
                if (max != null && max != maxPacketSize) {
                    maxPacketSize = max;
                    LOG.info("broker accepts packets up to {} bytes", max);
                }
            }

            @Override
            public void failed(int inARow, Throwable e, long retryMillis) {
                if (inARow == 1 || inARow % 30 == 0) {
                    LOG.warn("MQTT connect to {} failed ({} in a row): {}; trying again every {} s at most",
                            client.getServerURI(), inARow, e.getMessage(), MAX_RETRY_MS / 1000);
                } else {
                    LOG.debug("MQTT connect attempt {} failed: {}", inARow, e.getMessage());
                }
            }
        });
        reconnect.soon(0);
    }

    public boolean connected() {
        return connected;
    }

    /**
     * Publishes without blocking or waiting for an acknowledgement; while disconnected the message is dropped (see
     * the class comment for why that loses nothing the appliance needs).
     *
     * @return whether the message was handed to the connection
     */
    public boolean publish(String topic, String json, int qos, boolean retained) {
        return publish(topic, json.getBytes(StandardCharsets.UTF_8), qos, retained);
    }

    public boolean publish(String topic, byte[] payload, int qos, boolean retained) {
        if (!connected) {
            LOG.debug("not connected: message to {} dropped", topic);
            return false;
        }
        try {
            client.publish(topic, payload, qos, retained);
            return true;
        } catch (MqttException e) {
            if (e.getReasonCode() == MqttClientException.REASON_CODE_CLIENT_NOT_CONNECTED) {
                LOG.debug("connection lost: message to {} dropped", topic); // disconnected() follows
            } else {
                LOG.warn("MQTT publish to {} failed: {}", topic, e.getMessage());
            }
            return false;
        }
    }

    /** Subscribes (QoS 1) now if connected and again on every reconnect. */
    public void subscribe(List<String> topicFilters, Handler h) {
        this.handler = h;
        this.filters = topicFilters.toArray(String[]::new);
        if (connected) {
            renewSubscriptions();
        }
    }

    private void renewSubscriptions() {
        String[] f = filters;
        if (f.length == 0) {
            return;
        }
        try {
            client.subscribe(f, java.util.Arrays.stream(f).mapToInt(x -> 1).toArray());
        } catch (MqttException e) {
            LOG.warn("MQTT subscribe to {} failed: {}", List.of(f), e.getMessage());
        }
    }

    /**
     * Runs {@code r} on every (re)connect, e.g. to republish a retained state that a publish before the first
     * connection could not deliver.
     */
    public void onConnect(Runnable r) {
        onConnect.add(r);
        if (connected) {
            r.run();
        }
    }

    /** Answers a request on its MQTT 5 response topic, with its correlation data; no-op if it asked for none. */
    public void reply(MqttMessage request, String json) {
        MqttProperties in = request.getProperties();
        if (in == null || in.getResponseTopic() == null) {
            return;
        }
        MqttProperties out = new MqttProperties();
        out.setCorrelationData(in.getCorrelationData());
        MqttMessage m = new MqttMessage(json.getBytes(StandardCharsets.UTF_8), 1, false, out);
        try {
            client.publish(in.getResponseTopic(), m);
        } catch (MqttException | IllegalArgumentException e) {
            LOG.warn("MQTT reply to {} failed: {}", in.getResponseTopic(), e.getMessage());
        }
    }

    /** How a confirmed publish ended. */
    public enum Delivery {
        /** The broker acknowledged the message. */
        ACKED,
        /**
         * The broker refused it for good (MQTT 5 reason code 0x80 or above: not authorised, ...), or it is larger
         * than the broker's Maximum Packet Size.
         */
        REFUSED,
        /** Not connected, lost or not acknowledged in time: try again later. */
        FAILED
    }

    /**
     * Publishes and waits for the broker's acknowledgement (PUBACK for QoS 1). The caller keeps the message until
     * it is {@link Delivery#ACKED} or {@link Delivery#REFUSED}.
     */
    public Delivery publishConfirmed(String topic, byte[] payload, int qos, long timeoutMillis) {
        if (!connected) {
            return Delivery.FAILED;
        }
        // Fixed header (5) + topic (2 + length) + packet id (2) + properties length (1) + payload: an upper bound.
        long size = 10L + topic.getBytes(StandardCharsets.UTF_8).length + payload.length;
        if (size > maxPacketSize) {
            LOG.warn("message on {} is {} bytes, over the broker's limit of {}", topic, size, maxPacketSize);
            return Delivery.REFUSED;
        }
        try {
            IMqttToken t = client.publish(topic, payload, qos, false);
            t.waitForCompletion(timeoutMillis);
            int[] codes = t.getReasonCodes();
            if (codes != null && codes.length > 0 && codes[0] >= 0x80) {
                LOG.warn("broker refused a message on {} with reason 0x{}", topic, Integer.toHexString(codes[0]));
                return Delivery.REFUSED;
            }
            return t.isComplete() && t.getException() == null ? Delivery.ACKED : Delivery.FAILED;
        } catch (MqttException e) {
            if (e.getReasonCode() >= 0x80 && e.getReasonCode() <= 0xff) {
                LOG.warn("broker refused a message on {}: {} (0x{})", topic, e.getMessage(),
                        Integer.toHexString(e.getReasonCode()));
                return Delivery.REFUSED;
            }
            LOG.debug("MQTT publish to {} not confirmed: {}", topic, e.getMessage());
            return Delivery.FAILED;
        }
    }

    private final class Callback extends MqttListener {
        @Override
        public void connectComplete(boolean reconnect, String serverURI) {
            TopicAliases.disable(client); // before anything is published on this connection
            connected = true;
            LOG.info("MQTT connected to {}", serverURI);
            publish(topics.status(), onlineStatus.get(), 1, true);
            renewSubscriptions();
            onConnect.forEach(Runnable::run);
        }

        @Override
        public void disconnected(MqttDisconnectResponse response) {
            connected = false;
            LOG.warn("MQTT disconnected: {}", response.getReasonString());
            reconnect.soon(1000);
        }

        @Override
        public void mqttErrorOccurred(MqttException e) {
            LOG.warn("MQTT error: {}", e.getMessage());
        }

        @Override
        public void messageArrived(String topic, MqttMessage message) {
            try {
                handler.message(topic, message);
            } catch (RuntimeException e) {
                LOG.warn("message on {} not handled: {}", topic, e.toString());
            }
        }
    }

    @Override
    public void close() {
        reconnect.close();
        try {
            if (client.isConnected()) {
                // A clean shutdown says so itself: the will is only for deaths.
                client.publish(topics.status(), offline().getBytes(StandardCharsets.UTF_8), 1, true)
                        .waitForCompletion(2000);
                client.disconnect().waitForCompletion(2000);
            }
            client.close(true);
        } catch (MqttException e) {
            LOG.warn("MQTT close: {}", e.getMessage());
        }
    }

    private String offline() {
        return "{\"state\":\"offline\",\"reason\":\"shutdown\"}";
    }
}
