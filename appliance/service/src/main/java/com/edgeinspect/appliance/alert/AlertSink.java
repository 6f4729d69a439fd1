package com.edgeinspect.appliance.alert;

import com.edgeinspect.core.alert.AlertEvent;

/** Where a stream's alert messages go (event store, spool, log); called on the stream's worker thread. */
@FunctionalInterface
public interface AlertSink {

    /**
     * @param snapshot JPEG of the part with the defect boxed, for {@code new} alerts; null otherwise
     * @param decodedNanos {@link System#nanoTime()} when the frame that caused it was decoded
     */
    void accept(AlertEvent event, byte[] snapshot, long decodedNanos);
}
