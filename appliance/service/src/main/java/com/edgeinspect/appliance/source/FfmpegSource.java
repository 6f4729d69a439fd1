package com.edgeinspect.appliance.source;

import com.edgeinspect.appliance.config.ApplianceConfig;
import com.edgeinspect.core.decode.PictureConverter;
import org.bytedeco.ffmpeg.avutil.AVFrame;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.Frame;
import org.bytedeco.javacv.FrameGrabber;

/**
 * Decoding by FFmpeg (JavaCV): files, RTSP, HTTP, UDP and V4L2 devices. Network sources get socket timeouts so a
 * vanished camera is noticed. Pictures become BGR through a {@link PictureConverter}, which heeds the stream's colours
 * (as training saw them).
 *
 * <p>JavaCV's {@code start()} takes a global lock shared by all grabbers; {@code startUnsafe()} does not, so one slow
 * camera cannot stall the others' reconnects.
 */
public final class FfmpegSource extends FrameSource {

    private static final String NETWORK_TIMEOUT_US = "5000000";
    /**
     * FFmpeg's default, frame threads, hands a frame out only after as many later packets as it has threads beyond
     * one: from a live camera two frames late (67 ms at 30 fps) on 2 cores, eight on the Jetson's 8. Slice threads
     * hold nothing back; one core decodes a 1080p30 stream several times faster than real time
     * ({@code benchmarks/decode.sh}).
     */
    public static final String THREAD_TYPE = "slice";

    static {
        // FFmpeg prints a banner per opened input; keep its errors only, in our log's place.
        avutil.av_log_set_level(avutil.AV_LOG_ERROR);
    }

    public FfmpegSource(ApplianceConfig.Stream config) {
        super(config);
    }

    @Override
    protected boolean decode() throws Exception {
        try (FFmpegFrameGrabber g = rawGrabber(config.url()); PictureConverter bgr = new PictureConverter()) {
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
                AVFrame picture = grabPicture(g);
                if (picture == null) {
                    break;
                }
                BytePointer pixels = bgr.convert(picture);
                int w = picture.width();
                int h = picture.height();
                deliver(w, h, System.nanoTime() - t0, pixels);
            }
            g.stop();
            return running();
        }
    }

    /**
     * A grabber as this source decodes: slice threads ({@link #THREAD_TYPE}), the conversion left to a
     * {@link PictureConverter}; its pictures come from {@link #grabPicture}.
     */
    public static FFmpegFrameGrabber rawGrabber(String url) {
        FFmpegFrameGrabber g = new FFmpegFrameGrabber(url);
        g.setImageMode(FrameGrabber.ImageMode.RAW);
        g.setVideoOption("thread_type", THREAD_TYPE);
        return g;
    }

    /** The next decoded picture of a started {@link #rawGrabber}, or null at the end. */
    public static AVFrame grabPicture(FFmpegFrameGrabber g) throws FrameGrabber.Exception {
        Frame f = g.grabImage(); // in raw mode the frame carries the decoder's own picture, unconverted
        return f == null ? null : (AVFrame) f.opaque;
    }

    /** Decodes the next picture of a started {@link #rawGrabber} into {@code into} as BGR; false at the end. */
    public static boolean next(FFmpegFrameGrabber g, PictureConverter bgr, byte[] into) throws FrameGrabber.Exception {
        AVFrame picture = grabPicture(g);
        if (picture == null) {
            return false;
        }
        bgr.convert(picture).get(into, 0, picture.width() * picture.height() * 3);
        return true;
    }
}
