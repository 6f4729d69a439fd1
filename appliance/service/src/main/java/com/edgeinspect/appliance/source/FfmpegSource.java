package com.edgeinspect.appliance.source;

import com.edgeinspect.appliance.config.ApplianceConfig;
import org.bytedeco.ffmpeg.avutil.AVFrame;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacv.FFmpegFrameGrabber;

/**
 * Decoding by FFmpeg (JavaCV): files, RTSP, HTTP, UDP and V4L2 devices. Network sources get socket timeouts so a
 * vanished camera is noticed. Pictures become BGR through a {@link BgrConverter}, which heeds the stream's colours.
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
        try (FFmpegFrameGrabber g = BgrConverter.rawGrabber(config.url()); BgrConverter bgr = new BgrConverter()) {
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
                AVFrame picture = BgrConverter.grabPicture(g);
                if (picture == null) {
                    break;
                }
                BytePointer pixels = bgr.convert(picture);
                int w = picture.width();
                int h = picture.height();
                deliver(w, h, System.nanoTime() - t0, into -> pixels.get(into, 0, w * h * 3));
            }
            g.stop();
            return running();
        }
    }
}
