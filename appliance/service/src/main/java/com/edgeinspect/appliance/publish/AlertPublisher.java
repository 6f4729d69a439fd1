package com.edgeinspect.appliance.publish;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.Set;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers the spool to the broker in order: a message leaves the spool only after its PUBACK, so a broker that
 * vanishes mid-burst costs a retry, never a loss. Up to {@link MqttLink#window} messages are on their way at once, so
 * a frame's second alert does not wait a round trip behind its first, nor an alert behind a snapshot's
 * acknowledgement; the broker keeps their order (MQTT keeps a connection's QoS 1 messages on a topic in order) and
 * they are settled in that order. A message the broker refuses for good (not authorised, too large) is set aside so it cannot block the
 * ones behind it. When one fails (connection lost, no PUBACK in time) it and everything sent after it go again, in
 * order: a retry may deliver a message twice; consumers deduplicate by the alert's id and sequence.
 */
public final class AlertPublisher implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(AlertPublisher.class);
    private static final long ACK_TIMEOUT_NANOS = 10_000_000_000L;

    private final Spool spool;
    private final MqttLink mqtt;
    private final Consumer<Spool.Message> acknowledged;
    private final Thread thread;
    private volatile boolean running = true;
    private volatile long delivered;

    /** A message handed to the connection and not yet settled. */
    private record InFlight(Spool.Message message, MqttLink.Sending sending, long sentNanos) {}

    /** @param acknowledged told each message the broker acknowledged, as it is acknowledged */
    public AlertPublisher(Spool spool, MqttLink mqtt, Consumer<Spool.Message> acknowledged) {
        this.spool = spool;
        this.mqtt = mqtt;
        this.acknowledged = acknowledged;
        this.thread = new Thread(this::run, "alert-publisher");
        thread.setDaemon(true);
        thread.start();
    }

    private void run() {
        Deque<InFlight> window = new ArrayDeque<>();
        long backoff = 100;
        while (running) {
            try {
                InFlight head = window.peekFirst();
                long now = System.nanoTime();
                if (head != null && (head.sending().done() || now - head.sentNanos() > ACK_TIMEOUT_NANOS)) {
                    window.removeFirst();
                    switch (mqtt.outcome(head.sending())) {
                        case ACKED -> {
                            acknowledged.accept(head.message());
                            spool.remove(head.message());
                            delivered++;
                            backoff = 100;
                        }
                        case REFUSED -> spool.refuse(head.message()); // retrying would block every alert behind it
                        case FAILED -> {
                            window.clear(); // sent after it: they go again behind it, in order
                            Thread.sleep(backoff);
                            backoff = Math.min(backoff * 2, 2000);
                        }
                    }
                    continue;
                }
                long waitMillis = head == null ? 1000
                        : Math.max(1, (head.sentNanos() + ACK_TIMEOUT_NANOS - now) / 1_000_000);
                // Nothing more goes out while the window is full, or while one behind the head is done already: it
                // failed out of turn, and what followed it must not overtake its retry.
                if (window.size() >= mqtt.window() || window.stream().anyMatch(f -> f.sending().done())) {
                    head.sending().await(waitMillis);
                    continue;
                }
                // The next message, or woken by an acknowledgement so the head is settled at once.
                Spool.Message m = spool.peek(waitMillis, inFlight(window));
                if (m != null) {
                    window.addLast(new InFlight(m, mqtt.send(m.topic(), m.payload(), m.qos(), spool::wake),
                            System.nanoTime()));
                }
            } catch (InterruptedException e) {
                return;
            } catch (IOException | RuntimeException e) {
                LOG.warn("alert delivery: {}", e.toString());
            }
        }
    }

    private static Set<Long> inFlight(Deque<InFlight> window) {
        Set<Long> s = new HashSet<>();
        for (InFlight f : window) {
            s.add(f.message().sequence());
        }
        return s;
    }

    public long delivered() {
        return delivered;
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.interrupt();
        thread.join(5000);
    }
}
