package com.edgeinspect.core.mqtt;

import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttActionListener;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttClientException;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.common.MqttException;

/**
 * Keeps a Paho client connected for as long as it is open: attempts with backoff (1 s doubling up to a maximum) until
 * one succeeds, and again whenever the owner reports the link lost ({@link #soon}, from its callback's
 * {@code disconnected}).
 *
 * <p>Paho's automatic reconnect is not used by any client of ours: it never follows a first connect that failed, and
 * in Paho 1.2.5 its timer gives up for good when an attempt throws at once (the client still tearing down the last
 * connection, or closing), leaving a client that stays disconnected with nothing said.
 */
public final class Reconnect implements AutoCloseable {

    /** What the owner hears of the attempts; both run on Paho's or the attempt thread and must not block long. */
    public interface Listener {
        /** An attempt succeeded; {@code token} holds the broker's CONNACK properties. */
        default void connected(IMqttToken token) {}

        /** Attempt {@code inARow} since the last success failed; the next comes in {@code retryMillis}. */
        default void failed(int inARow, Throwable cause, long retryMillis) {}
    }

    private final MqttAsyncClient client;
    private final MqttConnectionOptions options;
    private final long maxDelayMillis;
    private final Listener listener;
    private final AtomicInteger failures = new AtomicInteger();
    private final ScheduledExecutorService attempts = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "mqtt-connect");
        t.setDaemon(true);
        return t;
    });
    private volatile boolean closed;

    public Reconnect(MqttAsyncClient client, MqttConnectionOptions options, long maxDelayMillis, Listener listener) {
        this.client = client;
        this.options = options;
        this.maxDelayMillis = maxDelayMillis;
        this.listener = listener;
    }

    /** Attempts to connect after {@code delayMillis}, unless connected or closed by then. */
    public void soon(long delayMillis) {
        try {
            attempts.schedule(this::attempt, delayMillis, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // closed
        }
    }

    private void attempt() {
        if (closed || client.isConnected()) {
            return;
        }
        try {
            client.connect(options, null, new MqttActionListener() {
                @Override
                public void onSuccess(IMqttToken token) {
                    failures.set(0);
                    listener.connected(token);
                }

                @Override
                public void onFailure(IMqttToken token, Throwable e) {
                    retry(e);
                }
            });
        } catch (MqttException e) {
            if (e.getReasonCode() != MqttClientException.REASON_CODE_CLIENT_CONNECTED) {
                retry(e); // e.g. the last connection still being torn down: exactly where Paho's own timer stops
            }
        }
    }

    private void retry(Throwable e) {
        if (closed) {
            return;
        }
        int n = failures.incrementAndGet();
        long delay = Math.min(1000L << Math.min(n - 1, 10), maxDelayMillis);
        listener.failed(n, e, delay);
        soon(delay);
    }

    /** Stops the attempts; the client itself stays the owner's to disconnect and close. */
    @Override
    public void close() {
        closed = true;
        attempts.shutdownNow();
    }
}
