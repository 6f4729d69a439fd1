package com.edgeinspect.appliance.alert;

import com.edgeinspect.core.alert.AlertEvent;
import java.util.List;
import java.util.function.Function;

/** Where a stream's alert messages go (event store, spool, log); called on the stream's worker thread. */
@FunctionalInterface
public interface AlertSink {

    /**
     * @param events one frame's alert messages, in order
     * @param snapshot makes the JPEG of the part with the defect boxed, for a {@code new} alert. The sink calls it once
     *     per new alert, after every message of the frame is on its way (encoding a 1080p frame is not an alert's to
     *     wait for, nor another alert's), and before it returns: the frame is reused afterwards.
     * @param decodedNanos {@link System#nanoTime()} when the frame that caused them was decoded
     */
    void accept(List<AlertEvent> events, Function<AlertEvent, byte[]> snapshot, long decodedNanos);
}
