package com.edgeinspect.core.ship;

import com.edgeinspect.core.mqtt.MqttAuth;
import com.edgeinspect.core.mqtt.MqttListener;
import com.edgeinspect.core.mqtt.Reconnect;
import com.edgeinspect.core.mqtt.TopicAliases;
import com.edgeinspect.core.mqtt.Topics;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttActionListener;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.MqttDisconnectResponse;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;

/**
 * The trainer's side of model shipping. It watches the fleet (every device's retained {@code status} and
 * {@code model/state}), publishes a retained offer to each target of a stage, and serves the chunks each device asks
 * for in its {@code receiving} state, with at most the broker's Receive Maximum in flight. A stage succeeds when all
 * its devices report the bundle {@code active} and healthy; a rejection or rollback fails it, and the offers this
 * run published are withdrawn so no other device installs that bundle.
 */
public final class Shipper implements AutoCloseable {

    /** Where an offer goes: one device, or every device of a fleet group. */
    public record Target(String device, String group) {
        public static Target device(String id) {
            return new Target(id, null);
        }

        public static Target group(String name) {
            return new Target(null, name);
        }

        String offerTopic(String prefixTemplate) {
            return device != null ? Topics.of(prefixTemplate, device).modelOffer() : Topics.fleetOffer(group);
        }

        @Override
        public String toString() {
            return device != null ? device : "group " + group;
        }
    }

    /** What the shipper knows of a device from its retained messages. */
    public record Device(String id, boolean online, List<String> groups, String model, ModelState state) {}

    /** Progress reports, for a CLI or a test; each defaults to ignoring. */
    public interface Listener {
        /** Every state message a device publishes (repeats included: a restarted device says where it stands). */
        default void state(String device, ModelState state) {}

        /** {@code chunks} of {@code count} acknowledged by the broker on their way to {@code device}. */
        default void sent(String device, int chunks, int count) {}

        default void info(String message) {}
    }

    /** How a rollout ended: the devices that made it and, if it failed, why. */
    public record Result(boolean ok, List<String> active, String failure) {}

    private static final ObjectMapper JSON = new ObjectMapper();
    /** A chunk asked for again within this time is assumed still on its way. */
    private static final long RESEND_NANOS = TimeUnit.SECONDS.toNanos(3);

    private final MqttAsyncClient client;
    private final String prefixTemplate;
    private final Listener listener;
    private final Semaphore inFlight;
    private final Reconnect reconnect;
    private final Map<String, JsonNode> statuses = new ConcurrentHashMap<>();
    private final Map<String, ModelState> states = new ConcurrentHashMap<>();
    /** Serves chunk requests one at a time, off Paho's callback thread. */
    private final ExecutorService sender = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "ship-sender");
        t.setDaemon(true);
        return t;
    });
    /** By device and bundle: when each chunk was last sent, and which the broker acknowledged. */
    private final Map<String, Map<Integer, Long>> sentAt = new ConcurrentHashMap<>();
    private final Map<String, Set<Integer>> acked = new ConcurrentHashMap<>();
    private volatile Offer offer;
    private volatile byte[] bundle;

    /**
     * Connects and starts watching the fleet under {@code prefixTemplate} (e.g. {@code inspection/{deviceId}}).
     *
     * @param maxInFlight chunks in flight at most (lowered to one under the broker's Receive Maximum)
     */
    public Shipper(String url, String clientId, MqttAuth auth, String prefixTemplate, int maxInFlight, Listener listener)
            throws MqttException {
        this.prefixTemplate = prefixTemplate;
        this.listener = listener;
        this.client = new MqttAsyncClient(url, clientId, new MemoryPersistence());
        MqttConnectionOptions o = new MqttConnectionOptions();
        o.setCleanStart(true);
        o.setConnectionTimeout(10);
        auth.applyTo(o);
        // The first connection is made here, so that a broker that is not there fails the rollout at once;
        // later ones by the loop.
        this.reconnect = new Reconnect(client, o, 5000, new Reconnect.Listener() {
            @Override
            public void connected(IMqttToken token) {
                listener.info("reconnected to " + url);
                try {
                    subscribe(); // a clean session forgets subscriptions
                } catch (MqttException e) {
                    listener.info("resubscribe failed: " + e.getMessage());
                }
            }

            @Override
            public void failed(int inARow, Throwable e, long retryMillis) {
                listener.info("reconnect attempt " + inARow + " failed: " + e.getMessage() + "; next in "
                        + retryMillis / 1000 + " s");
            }
        });
        client.setCallback(new Callback());
        IMqttToken t = client.connect(o);
        t.waitForCompletion(15_000);
        TopicAliases.disable(client);
        Integer receiveMax = t.getResponseProperties() == null ? null
                : t.getResponseProperties().getReceiveMaximum();
        // One place in the broker's window stays free for the offers and withdrawals published beside the chunks.
        int permits = Math.max(1, Math.min(maxInFlight, receiveMax == null ? 65535 : receiveMax - 1));
        this.inFlight = new Semaphore(permits);
        listener.info("connected to " + url + "; " + permits + " chunk(s) in flight at most");
        subscribe().waitForCompletion(10_000);
    }

    private IMqttToken subscribe() throws MqttException {
        return client.subscribe(new String[] {Topics.everyDevice(prefixTemplate, "status"),
                Topics.everyDevice(prefixTemplate, "model/state")}, new int[] {1, 1});
    }

    /** The devices seen so far, by id. */
    public Map<String, Device> devices() {
        Map<String, Device> out = new TreeMap<>();
        Set<String> ids = new LinkedHashSet<>(statuses.keySet());
        ids.addAll(states.keySet());
        for (String id : ids) {
            JsonNode s = statuses.get(id);
            List<String> groups = new ArrayList<>();
            if (s != null) {
                s.path("groups").forEach(g -> groups.add(g.asText()));
            }
            JsonNode m = s == null ? null : s.path("model");
            String model = m == null || m.isMissingNode() || m.isNull() ? null
                    : m.path("name").asText() + " " + m.path("version").asText();
            out.put(id, new Device(id, s != null && !"offline".equals(s.path("state").asText()), groups, model,
                    states.get(id)));
        }
        return out;
    }

    /**
     * Rolls a bundle out stage by stage (e.g. a canary group, then the rest): each stage's targets get the retained
     * offer, each device gets the chunks it asks for, and the next stage starts only when every device of this one
     * reports the bundle active and healthy.
     *
     * @param settle how long to wait for retained status messages before deciding who is in a group
     */
    public Result ship(byte[] bundle, Offer offer, List<List<Target>> stages, Duration timeout, Duration settle)
            throws InterruptedException {
        this.bundle = bundle;
        this.offer = offer;
        List<String> published = new ArrayList<>();
        List<String> active = new ArrayList<>();
        long deadline = System.nanoTime() + timeout.toNanos();
        Thread.sleep(settle.toMillis());
        for (List<Target> stage : stages) {
            for (Target t : stage) {
                String topic = t.offerTopic(prefixTemplate);
                if (!publish(topic, offer.toJson(), true)) {
                    return fail(published, active, "could not publish the offer on " + topic);
                }
                published.add(topic);
                listener.info("offered " + offer.name() + " " + offer.version() + " to " + t + " on " + topic);
            }
            states.forEach(this::serve); // devices already asking (e.g. after a shipper restart)
            String failure = awaitStage(stage, deadline, active);
            if (failure != null) {
                return fail(published, active, failure);
            }
        }
        return new Result(true, active, null);
    }

    /** Null when every device of the stage is active and healthy; otherwise the reason it failed. */
    private String awaitStage(List<Target> stage, long deadline, List<String> active) throws InterruptedException {
        while (true) {
            Set<String> members = members(stage);
            if (members.isEmpty()) {
                return "no device in " + stage;
            }
            List<String> waiting = new ArrayList<>();
            for (String d : members) {
                ModelState s = states.get(d);
                boolean ours = s != null && offer.sha256().equals(s.sha256());
                if (ours && (s.step() == ModelState.Step.REJECTED || s.step() == ModelState.Step.ROLLED_BACK)) {
                    return d + " " + s.state() + ": " + s.reason();
                }
                if (ours && s.step() == ModelState.Step.ACTIVE && Boolean.TRUE.equals(s.healthy())) {
                    if (!active.contains(d)) {
                        active.add(d);
                    }
                } else {
                    waiting.add(d);
                }
            }
            if (waiting.isEmpty()) {
                return null;
            }
            if (System.nanoTime() > deadline) {
                return "timed out waiting for " + waiting;
            }
            Thread.sleep(100);
        }
    }

    private Set<String> members(List<Target> stage) {
        Set<String> out = new LinkedHashSet<>();
        for (Target t : stage) {
            if (t.device() != null) {
                out.add(t.device());
            } else {
                devices().values().stream().filter(d -> d.groups().contains(t.group())).forEach(d -> out.add(d.id()));
            }
        }
        return out;
    }

    private Result fail(List<String> published, List<String> active, String why) {
        for (String topic : published) {
            publish(topic, new byte[0], true); // an empty retained message withdraws the offer
        }
        listener.info("rollout aborted: " + why + (published.isEmpty() ? "" : "; offers withdrawn"));
        return new Result(false, active, why);
    }

    /** Sends the chunks a device in {@code receiving} asks for (not those sent moments ago). */
    private void serve(String device, ModelState s) {
        Offer o = offer;
        if (o == null || s.step() != ModelState.Step.RECEIVING || !o.sha256().equals(s.sha256())
                || s.missing() == null) {
            return;
        }
        List<Integer> wanted = new ArrayList<>();
        for (List<Integer> range : s.missing()) {
            if (range.size() == 2) {
                for (int i = Math.max(0, range.get(0)); i <= Math.min(o.chunks().size() - 1, range.get(1)); i++) {
                    wanted.add(i);
                }
            }
        }
        sender.execute(() -> send(device, o, wanted));
    }

    private void send(String device, Offer o, List<Integer> wanted) {
        // Per device and bundle: chunk i of the last bundle shipped is not chunk i of this one.
        String key = device + "/" + o.sha256();
        Map<Integer, Long> sent = sentAt.computeIfAbsent(key, d -> new ConcurrentHashMap<>());
        Set<Integer> done = acked.computeIfAbsent(key, d -> ConcurrentHashMap.newKeySet());
        String topic = Topics.of(prefixTemplate, device).modelChunk(o.sha256());
        for (int i : wanted) {
            Long last = sent.get(i);
            if (last != null && System.nanoTime() - last < RESEND_NANOS) {
                continue;
            }
            try {
                inFlight.acquire();
                sent.put(i, System.nanoTime());
                client.publish(topic, Chunk.encode(o.sha256(), i, o.chunks().size(), o.chunk(bundle, i)), 1, false,
                        null, new MqttActionListener() {
                            @Override
                            public void onSuccess(IMqttToken t) {
                                inFlight.release();
                                done.add(i);
                                listener.sent(device, done.size(), o.chunks().size());
                            }

                            @Override
                            public void onFailure(IMqttToken t, Throwable e) {
                                inFlight.release();
                                sent.remove(i); // the device will ask again
                            }
                        });
            } catch (MqttException e) {
                inFlight.release();
                sent.remove(i);
                listener.info("chunk " + i + " to " + device + " not sent: " + e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private boolean publish(String topic, byte[] payload, boolean retained) {
        try {
            client.publish(topic, payload, 1, retained).waitForCompletion(10_000);
            return true;
        } catch (MqttException e) {
            listener.info("publish to " + topic + " failed: " + e.getMessage());
            return false;
        }
    }

    /** A device id from a topic made from the prefix template (the segment where {@code {deviceId}} stands). */
    private String deviceOf(String topic) {
        String[] t = topic.split("/");
        String[] p = prefixTemplate.split("/");
        for (int i = 0; i < p.length && i < t.length; i++) {
            if (p[i].equals("{deviceId}")) {
                return t[i];
            }
        }
        return null;
    }

    private final class Callback extends MqttListener {
        @Override
        public void messageArrived(String topic, MqttMessage message) {
            String device = deviceOf(topic);
            if (device == null) {
                return;
            }
            if (topic.endsWith("/model/state")) {
                ModelState s = ModelState.parse(message.getPayload());
                if (s == null) {
                    return;
                }
                states.put(device, s);
                listener.state(device, s);
                serve(device, s);
            } else if (message.getPayload().length > 0) {
                try {
                    statuses.put(device, JSON.readTree(message.getPayload()));
                } catch (IOException e) {
                    // not a status message: not ours to judge
                }
            }
        }

        @Override
        public void connectComplete(boolean reconnect, String serverURI) {
            TopicAliases.disable(client); // before the sender publishes on this connection
        }

        @Override
        public void disconnected(MqttDisconnectResponse response) {
            listener.info("disconnected from the broker: " + response.getReasonString());
            reconnect.soon(1000);
        }

        @Override
        public void mqttErrorOccurred(MqttException e) {
            listener.info("MQTT error: " + e.getMessage());
        }
    }

    @Override
    public void close() {
        reconnect.close();
        sender.shutdownNow();
        try {
            if (client.isConnected()) {
                client.disconnect().waitForCompletion(2000);
            }
            client.close(true);
        } catch (MqttException e) {
            listener.info("close: " + e.getMessage());
        }
    }

    /** A state's one-line summary for people. */
    public static String describe(ModelState s) {
        StringBuilder b = new StringBuilder(s.state());
        if (s.version() != null) {
            b.append(' ').append(s.name()).append(' ').append(s.version());
        }
        if (s.received() != null && s.count() != null && s.step() == ModelState.Step.RECEIVING) {
            b.append(" (").append(s.received()).append('/').append(s.count()).append(" chunks)");
        }
        if (Boolean.TRUE.equals(s.healthy())) {
            b.append(", healthy");
        }
        if (s.reason() != null) {
            b.append(": ").append(s.reason());
        }
        if (s.serving() != null) {
            b.append(" [serving ").append(s.serving().name()).append(' ').append(s.serving().version()).append(']');
        }
        return b.toString();
    }
}
