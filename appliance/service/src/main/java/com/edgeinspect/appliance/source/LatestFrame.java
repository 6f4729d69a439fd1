package com.edgeinspect.appliance.source;

import java.util.concurrent.TimeUnit;

/**
 * The hand-off between a stream's decoder and the detector: holds only the newest frame. When the detector is slower
 * than the camera, an unconsumed frame is replaced by a newer one and counted as dropped, so latency stays bounded
 * and nothing queues. Three buffers suffice for one writer and one reader: one being written, one waiting, one being
 * read.
 */
public final class LatestFrame {

    private final FrameBuffer[] spare = {new FrameBuffer(), new FrameBuffer(), new FrameBuffer()};
    private int spareCount = 3;
    private FrameBuffer waiting;
    private long dropped;
    private boolean closed;

    /** A buffer for the decoder to fill; the decoder gives it back through {@link #publish}. */
    synchronized FrameBuffer writable() {
        if (spareCount == 0) {
            throw new IllegalStateException("decoder holds more than one buffer");
        }
        return spare[--spareCount];
    }

    /** Offers a filled buffer as the newest frame; replaces (and counts) a waiting one nobody took. */
    synchronized void publish(FrameBuffer filled) {
        if (waiting != null) {
            dropped++;
            spare[spareCount++] = waiting;
        }
        waiting = filled;
        notifyAll();
    }

    /** The newest frame, waiting up to the timeout; null on timeout or after close. Release it when done. */
    public synchronized FrameBuffer take(long timeout, TimeUnit unit) throws InterruptedException {
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        while (waiting == null && !closed) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return null;
            }
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
        FrameBuffer f = waiting;
        waiting = null;
        return f;
    }

    /** Returns a buffer obtained from {@link #take}. */
    public synchronized void release(FrameBuffer used) {
        spare[spareCount++] = used;
    }

    public synchronized long dropped() {
        return dropped;
    }

    synchronized void close() {
        closed = true;
        notifyAll();
    }
}
