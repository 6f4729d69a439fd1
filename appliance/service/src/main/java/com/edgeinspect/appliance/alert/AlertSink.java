package com.edgeinspect.appliance.alert;

import com.edgeinspect.core.alert.AlertEvent;
import java.util.function.Supplier;

/** Where a stream's alert messages go (event store, spool, log); called on the stream's worker thread. */
@FunctionalInterface
public interface AlertSink {

    /**
     * @param snapshot makes the JPEG of the part with the defect boxed, for {@code new} alerts; null otherwise. The
     *     sink calls it once, after the alert is on its way (encoding a 1080p frame is not the alert's to wait for),
     *     and before it returns: the frame is reused afterwards.
     * @param decodedNanos {@link System#nanoTime()} when the frame that caused it was decoded
     */
    void accept(AlertEvent event, Supplier<byte[]> snapshot, long decodedNanos);
}
