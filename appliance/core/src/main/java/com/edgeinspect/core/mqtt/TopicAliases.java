package com.edgeinspect.core.mqtt;

import java.lang.reflect.Field;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.internal.MqttConnectionState;

/**
 * Turns off Paho's outgoing MQTT 5 topic aliases for a connection. Paho 1.2.5 uses them whenever the broker offers
 * them (mosquitto offers 10) and has no option against it; it records a topic's alias before it checks its in-flight
 * window, so a publish refused with "too many publishes in progress" (32202) on a topic's first use leaves an alias
 * the broker never saw, and the next publish to that topic goes out as that bare alias: the broker disconnects the
 * client with reason 0x82 (protocol error). Seen against mosquitto 2.0.11 (receive maximum 3, a burst, then the
 * topic again: disconnected every time). Aliases save a few bytes per message; none of ours is that small.
 *
 * <p>Every CONNACK sets the broker's alias maximum again, so call this after every successful connect, before the
 * first publish on the new connection.
 */
public final class TopicAliases {

    private static final Field CONNECTION = field(MqttAsyncClient.class, "mqttConnection");
    private static final Field ASYNC = field(MqttClient.class, "aClient");

    private TopicAliases() {}

    public static void disable(MqttAsyncClient client) {
        ((MqttConnectionState) read(CONNECTION, client)).setOutgoingTopicAliasMaximum(0);
    }

    public static void disable(MqttClient client) {
        disable((MqttAsyncClient) read(ASYNC, client));
    }

    private static Object read(Field f, Object owner) {
        try {
            return f.get(owner);
        } catch (IllegalAccessException e) {
            throw new IllegalStateException("cannot turn off Paho's topic aliases", e);
        }
    }

    /** Fails at class loading, not at the first publish, if a Paho upgrade renamed what this relies on. */
    private static Field field(Class<?> owner, String name) {
        try {
            Field f = owner.getDeclaredField(name);
            f.setAccessible(true);
            return f;
        } catch (NoSuchFieldException e) {
            throw new IllegalStateException("Paho's " + owner.getSimpleName() + " has no field " + name
                    + " any more: check whether it still sends topic aliases on its own (see TopicAliases)", e);
        }
    }
}
