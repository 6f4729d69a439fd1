package com.edgeinspect.appliance.source;

import com.edgeinspect.appliance.config.ApplianceConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;
import org.bytedeco.javacpp.BytePointer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A camera or file decoded on its own thread into a {@link LatestFrame}: the part every decoder shares. Any failure
 * closes the decoder and reopens it after a backoff that doubles from 0.5 s up to 30 s, without touching other
 * streams; its state, last error and counts are visible. Files can loop and are paced at their frame rate, as a
 * camera would deliver them. Subclasses only open the source and decode it ({@link #decode()}).
 */
public abstract class FrameSource implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(FrameSource.class);
    private static final long MIN_BACKOFF_MS = 500;
    private static final long MAX_BACKOFF_MS = 30_000;

    protected final ApplianceConfig.Stream config;
    private final LatestFrame out = new LatestFrame();
    private final Thread thread;
    private final AtomicLong decoded = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    private volatile StreamState state = StreamState.STARTING;
    private volatile String lastError = "";
    private volatile boolean running = true;
    private volatile int width;
    private volatile int height;
    private volatile double fps;
    private long interval;
    private long next;

    protected FrameSource(ApplianceConfig.Stream config) {
        this.config = config;
        this.thread = new Thread(this::run, "decode-" + config.name());
        this.thread.setDaemon(true);
    }

    /** The decoder the stream's configuration names. */
    public static FrameSource of(ApplianceConfig.Stream config) {
        return config.decoder().equals(ApplianceConfig.Stream.FFMPEG) ? new FfmpegSource(config) : new GstSource(config);
    }

    public FrameSource start() {
        thread.start();
        return this;
    }

    public LatestFrame frames() {
        return out;
    }

    public String name() {
        return config.name();
    }

    public StreamState state() {
        return state;
    }

    /** Why the source last failed, while it is not running ("" once it delivers frames again). */
    public String lastError() {
        return lastError;
    }

    public long decoded() {
        return decoded.get();
    }

    public long failures() {
        return failures.get();
    }

    public int width() {
        return width;
    }

    public int height() {
        return height;
    }

    public double fps() {
        return fps;
    }

    protected final boolean isFile() {
        return !config.url().contains("://") && !config.url().startsWith("/dev/");
    }

    protected final boolean running() {
        return running;
    }

    /** Opens and decodes the source until it ends (true) or the appliance stops (false); throws on failure. */
    protected abstract boolean decode() throws Exception;

    /** Called once the source is open and its format known. */
    protected final void opened(int width, int height, double fps) {
        this.width = width;
        this.height = height;
        this.fps = fps > 0 ? fps : 30;
        this.interval = (long) (1e9 / this.fps);
        this.next = System.nanoTime();
        state = StreamState.RUNNING;
        lastError = ""; // recovered: the failure count keeps the history
        LOG.info("stream {}: {}x{} at {} fps from {} ({})", config.name(), width, height, this.fps, config.url(),
                config.decoder());
    }

    /**
     * Hands a decoded frame on: waits for its camera time first when a file is paced, then copies the packed BGR
     * pixels ({@code width x height}, rows back to back, as {@link com.edgeinspect.core.decode.PictureConverter} gives
     * them) into the hand-off buffer.
     */
    protected final void deliver(int width, int height, long decodeNanos, BytePointer bgr)
            throws InterruptedException {
        if (isFile() && config.paced()) {
            // A camera delivers a frame at its time; the frame's latency starts when it would arrive.
            next += interval;
            long wait = next - System.nanoTime();
            if (wait > 0) {
                Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
            } else if (wait < -interval * 30) {
                next = System.nanoTime(); // fell far behind (paused machine): do not burst to catch up
            }
        }
        FrameBuffer buf = out.writable();
        buf.reset(width, height, decoded.getAndIncrement(), System.nanoTime(), decodeNanos);
        bgr.get(buf.bgr(), 0, width * height * 3);
        out.publish(buf);
    }

    private void run() {
        long backoff = MIN_BACKOFF_MS;
        while (running) {
            try {
                if (isFile() && !Files.isRegularFile(Path.of(config.url()))) {
                    throw new java.io.FileNotFoundException("no such video file: " + Path.of(config.url()).toAbsolutePath());
                }
                boolean ended = decode();
                backoff = MIN_BACKOFF_MS;
                if (ended && !config.loop()) {
                    state = StreamState.ENDED;
                    LOG.info("stream {}: end of {}", config.name(), config.url());
                    return;
                }
            } catch (InterruptedException e) {
                break;
            } catch (Exception e) {
                if (!running) {
                    break;
                }
                failures.incrementAndGet();
                lastError = e.getMessage() == null ? e.toString() : e.getMessage();
                state = StreamState.RECONNECTING;
                LOG.warn("stream {}: {}; reopening in {} ms", config.name(), lastError, backoff);
                try {
                    Thread.sleep(backoff);
                } catch (InterruptedException ie) {
                    break;
                }
                backoff = Math.min(MAX_BACKOFF_MS, backoff * 2);
            }
        }
        state = StreamState.STOPPED;
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        out.close();
        thread.interrupt();
        thread.join(5000);
        state = StreamState.STOPPED;
    }
}
