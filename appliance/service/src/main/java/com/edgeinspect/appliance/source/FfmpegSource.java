package com.edgeinspect.appliance.source;

import com.edgeinspect.appliance.config.ApplianceConfig;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.Frame;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A camera or file decoded by FFmpeg (JavaCV) on its own thread into a {@link LatestFrame}. Network sources get
 * socket timeouts so a vanished camera is noticed; any failure closes the grabber and reopens it after a backoff
 * that doubles up to 30 s, without touching other streams. Files can loop and are paced at their frame rate.
 *
 * <p>JavaCV's {@code start()} takes a global lock shared by all grabbers; {@code startUnsafe()} does not, so one slow
 * camera cannot stall the others' reconnects.
 */
public final class FfmpegSource implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(FfmpegSource.class);
    private static final long MIN_BACKOFF_MS = 500;
    private static final long MAX_BACKOFF_MS = 30_000;
    private static final String NETWORK_TIMEOUT_US = "5000000";

    static {
        // FFmpeg prints a banner per opened input; keep its errors only, in our log's place.
        avutil.av_log_set_level(avutil.AV_LOG_ERROR);
    }

    private final ApplianceConfig.Stream config;
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

    public FfmpegSource(ApplianceConfig.Stream config) {
        this.config = config;
        this.thread = new Thread(this::run, "decode-" + config.name());
        this.thread.setDaemon(true);
    }

    public FfmpegSource start() {
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

    private boolean isFile() {
        return !config.url().contains("://") && !config.url().startsWith("/dev/");
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

    /** Decodes until the source ends (true) or the appliance stops (false); throws on failure. */
    private boolean decode() throws Exception {
        try (FFmpegFrameGrabber g = new FFmpegFrameGrabber(config.url())) {
            g.setPixelFormat(avutil.AV_PIX_FMT_BGR24);
            if (config.url().startsWith("/dev/video")) {
                g.setFormat("video4linux2");
            }
            if (!isFile()) {
                g.setOption("rw_timeout", NETWORK_TIMEOUT_US);
                g.setOption("timeout", NETWORK_TIMEOUT_US);
                if (config.url().startsWith("rtsp://")) {
                    g.setOption("rtsp_transport", "tcp");
                }
            }
            g.startUnsafe();
            width = g.getImageWidth();
            height = g.getImageHeight();
            fps = g.getFrameRate() > 0 ? g.getFrameRate() : 30;
            state = StreamState.RUNNING;
            lastError = ""; // recovered: the failure count keeps the history
            LOG.info("stream {}: {}x{} at {} fps from {}", config.name(), width, height, fps, config.url());
            long interval = (long) (1e9 / fps);
            long next = System.nanoTime();
            while (running) {
                long t0 = System.nanoTime();
                Frame f = g.grabImage();
                if (f == null) {
                    break;
                }
                long grabbed = System.nanoTime() - t0;
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
                copy(f, buf, decoded.getAndIncrement(), grabbed);
                out.publish(buf);
            }
            g.stop();
            return running;
        }
    }

    private static void copy(Frame f, FrameBuffer buf, long sequence, long decodeNanos) {
        buf.reset(f.imageWidth, f.imageHeight, sequence, System.nanoTime(), decodeNanos);
        copyPixels(f, buf.bgr());
    }

    /** Copies a decoded packed-BGR frame into {@code into}, rows back to back (the frame's rows may be padded). */
    public static void copyPixels(Frame f, byte[] into) {
        ByteBuffer src = (ByteBuffer) f.image[0];
        int row = f.imageWidth * 3;
        for (int y = 0; y < f.imageHeight; y++) {
            src.position(y * f.imageStride);
            src.get(into, y * row, row);
        }
        src.rewind();
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
