package com.edgeinspect.appliance.publish;

import java.io.IOException;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers the spool to the broker in order, one acknowledged message at a time: a message leaves the spool only
 * after its PUBACK, so a broker that vanishes mid-burst costs a retry, never a loss. A message the broker refuses
 * for good (not authorised, too large) is set aside so it cannot block the ones behind it. A retry after a lost
 * PUBACK may deliver a message twice; consumers deduplicate by the alert's id and sequence. One message in flight
 * keeps the order strict and is ample for alert rates (tens per second on a LAN).
 */
public final class AlertPublisher implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(AlertPublisher.class);
    private static final long ACK_TIMEOUT_MS = 10_000;

    private final Spool spool;
    private final MqttLink mqtt;
    private final Consumer<Spool.Message> acknowledged;
    private final Thread thread;
    private volatile boolean running = true;
    private volatile long delivered;

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
        long backoff = 100;
        while (running) {
            try {
                Spool.Message m = spool.peek(1000);
                if (m == null) {
                    continue;
                }
                switch (mqtt.publishConfirmed(m.topic(), m.payload(), m.qos(), ACK_TIMEOUT_MS)) {
                    case ACKED -> {
                        acknowledged.accept(m);
                        spool.remove(m);
                        delivered++;
                        backoff = 100;
                    }
                    case REFUSED -> spool.refuse(m); // retrying would block every alert behind it
                    case FAILED -> {
                        Thread.sleep(backoff);
                        backoff = Math.min(backoff * 2, 2000);
                    }
                }
            } catch (InterruptedException e) {
                return;
            } catch (IOException | RuntimeException e) {
                LOG.warn("alert delivery: {}", e.toString());
            }
        }
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
