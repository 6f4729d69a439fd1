package com.edgeinspect.appliance.source;

/**
 * One decoded frame in a reusable buffer: packed BGR, 3 bytes per pixel, no row padding. Buffers circulate between
 * a stream's decoder and its consumer and are never allocated per frame.
 */
public final class FrameBuffer {

    private byte[] bgr = new byte[0];
    private int width;
    private int height;
    private long sequence;
    private long decodedNanos;
    private long decodeNanos;

    /** Makes room for a width x height frame; reallocates only when the resolution grows. */
    void reset(int width, int height, long sequence, long decodedNanos, long decodeNanos) {
        int need = width * height * 3;
        if (bgr.length < need) {
            bgr = new byte[need];
        }
        this.width = width;
        this.height = height;
        this.sequence = sequence;
        this.decodedNanos = decodedNanos;
        this.decodeNanos = decodeNanos;
    }

    public byte[] bgr() {
        return bgr;
    }

    public int width() {
        return width;
    }

    public int height() {
        return height;
    }

    /** Position of this frame in its stream since the appliance started, from 0 (monotonic across reconnects). */
    public long sequence() {
        return sequence;
    }

    /** How long the decoder took to produce this frame. */
    public long decodeNanos() {
        return decodeNanos;
    }

    /** {@link System#nanoTime()} when decoding finished: the start of the frame's end-to-end latency. */
    public long decodedNanos() {
        return decodedNanos;
    }
}
