package com.edgeinspect.appliance.source;

import com.edgeinspect.appliance.config.ApplianceConfig;
import java.nio.ByteBuffer;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.Frame;

/**
 * Decoding by FFmpeg (JavaCV): files, RTSP, HTTP, UDP and V4L2 devices. Network sources get socket timeouts so a
 * vanished camera is noticed.
 *
 * <p>JavaCV's {@code start()} takes a global lock shared by all grabbers; {@code startUnsafe()} does not, so one slow
 * camera cannot stall the others' reconnects.
 */
public final class FfmpegSource extends FrameSource {

    private static final String NETWORK_TIMEOUT_US = "5000000";

    static {
        // FFmpeg prints a banner per opened input; keep its errors only, in our log's place.
        avutil.av_log_set_level(avutil.AV_LOG_ERROR);
    }

    public FfmpegSource(ApplianceConfig.Stream config) {
        super(config);
    }

    @Override
    protected boolean decode() throws Exception {
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
            opened(g.getImageWidth(), g.getImageHeight(), g.getFrameRate());
            while (running()) {
                long t0 = System.nanoTime();
                Frame f = g.grabImage();
                if (f == null) {
                    break;
                }
                deliver(f.imageWidth, f.imageHeight, System.nanoTime() - t0, into -> copyPixels(f, into));
            }
            g.stop();
            return running();
        }
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
}
