package com.edgeinspect.appliance.source;

import static org.bytedeco.ffmpeg.global.avutil.AVCOL_RANGE_JPEG;
import static org.bytedeco.ffmpeg.global.avutil.AVCOL_SPC_UNSPECIFIED;
import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_BGR24;
import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_YUVJ411P;
import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_YUVJ420P;
import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_YUVJ422P;
import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_YUVJ440P;
import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_YUVJ444P;
import static org.bytedeco.ffmpeg.global.avutil.av_free;
import static org.bytedeco.ffmpeg.global.avutil.av_malloc;
import static org.bytedeco.ffmpeg.global.swscale.SWS_BILINEAR;
import static org.bytedeco.ffmpeg.global.swscale.SWS_CS_BT2020;
import static org.bytedeco.ffmpeg.global.swscale.SWS_CS_DEFAULT;
import static org.bytedeco.ffmpeg.global.swscale.SWS_CS_ITU601;
import static org.bytedeco.ffmpeg.global.swscale.SWS_CS_ITU709;
import static org.bytedeco.ffmpeg.global.swscale.sws_freeContext;
import static org.bytedeco.ffmpeg.global.swscale.sws_getCachedContext;
import static org.bytedeco.ffmpeg.global.swscale.sws_getCoefficients;
import static org.bytedeco.ffmpeg.global.swscale.sws_scale;
import static org.bytedeco.ffmpeg.global.swscale.sws_setColorspaceDetails;

import org.bytedeco.ffmpeg.avutil.AVFrame;
import org.bytedeco.ffmpeg.swscale.SwsContext;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.PointerPointer;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.Frame;
import org.bytedeco.javacv.FrameGrabber;

/**
 * Decoded pictures to packed BGR with the stream's own colour matrix and range. swscale (and with it JavaCV's
 * conversion) takes BT.601 whatever the stream says; GStreamer's {@code videoconvert}, the Jetson's path, follows the
 * stream's tags, and for an untagged stream takes BT.709 above 576 lines (BT.2020 from 2160). The same camera must
 * look the same to the detector through either source, so this does what GStreamer does. The benchmarks and tools
 * that read clips use it too, so they see what the appliance sees. Not thread-safe: one per decode thread.
 */
public final class BgrConverter implements AutoCloseable {

    private static final java.util.Set<Integer> FULL_RANGE_FORMATS = java.util.Set.of(AV_PIX_FMT_YUVJ420P,
            AV_PIX_FMT_YUVJ422P, AV_PIX_FMT_YUVJ444P, AV_PIX_FMT_YUVJ440P, AV_PIX_FMT_YUVJ411P);

    private SwsContext sws;
    private BytePointer bgr;
    private final PointerPointer<BytePointer> dst = new PointerPointer<>(1);
    private final IntPointer dstStride = new IntPointer(1);
    private int width;
    private int height;
    private int format = -1;
    private int matrix = -1;
    private boolean fullRange;

    /** Converts {@code picture}; returns the packed BGR rows back to back, valid until the next call. */
    public BytePointer convert(AVFrame picture) {
        int w = picture.width();
        int h = picture.height();
        int m = matrix(picture.colorspace(), h);
        boolean full = picture.color_range() == AVCOL_RANGE_JPEG || FULL_RANGE_FORMATS.contains(picture.format());
        if (w != width || h != height || picture.format() != format) {
            // JavaCV's flags: a BT.601 stream converts bit for bit as the trainer's decoder (JavaCV's) saw it.
            sws = sws_getCachedContext(sws, w, h, picture.format(), w, h, AV_PIX_FMT_BGR24, SWS_BILINEAR, null, null,
                    (DoublePointer) null);
            if (sws == null) {
                throw new IllegalStateException("no conversion from pixel format " + picture.format() + " to BGR");
            }
            if (bgr != null) {
                av_free(bgr);
            }
            bgr = new BytePointer(av_malloc((long) w * h * 3)).capacity((long) w * h * 3);
            dst.put(0, bgr);
            dstStride.put(0, w * 3);
            width = w;
            height = h;
            format = picture.format();
            matrix = -1;
        }
        if (m != matrix || full != fullRange) {
            sws_setColorspaceDetails(sws, sws_getCoefficients(m), full ? 1 : 0, sws_getCoefficients(SWS_CS_DEFAULT), 1,
                    0, 1 << 16, 1 << 16);
            matrix = m;
            fullRange = full;
        }
        sws_scale(sws, new PointerPointer<>(picture), picture.linesize(), 0, h, dst, dstStride);
        return bgr;
    }

    /**
     * Opens a grabber that leaves conversion to a {@link BgrConverter}: its pictures come from {@link #next} or, for
     * a source that times its steps, from {@link #grabPicture}.
     */
    public static FFmpegFrameGrabber rawGrabber(String url) {
        FFmpegFrameGrabber g = new FFmpegFrameGrabber(url);
        g.setImageMode(FrameGrabber.ImageMode.RAW);
        return g;
    }

    /** The next decoded picture of a {@link #rawGrabber}, or null at the end. */
    public static AVFrame grabPicture(FFmpegFrameGrabber g) throws FrameGrabber.Exception {
        Frame f = g.grabImage(); // in raw mode the frame carries the decoder's own picture, unconverted
        return f == null ? null : (AVFrame) f.opaque;
    }

    /** Decodes the next picture of a started {@link #rawGrabber} into {@code into}; false at the end. */
    public boolean next(FFmpegFrameGrabber g, byte[] into) throws FrameGrabber.Exception {
        AVFrame picture = grabPicture(g);
        if (picture == null) {
            return false;
        }
        convert(picture).get(into, 0, picture.width() * picture.height() * 3);
        return true;
    }

    /** swscale's matrix for an FFmpeg colour space; untagged by height, as GStreamer decides it. */
    static int matrix(int colorspace, int height) {
        if (colorspace != AVCOL_SPC_UNSPECIFIED) {
            return colorspace; // swscale's matrices are numbered as FFmpeg's colour spaces; unknown ones get BT.601
        }
        return height >= 2160 ? SWS_CS_BT2020 : height > 576 ? SWS_CS_ITU709 : SWS_CS_ITU601;
    }

    @Override
    public void close() {
        if (sws != null) {
            sws_freeContext(sws);
            sws = null;
        }
        if (bgr != null) {
            av_free(bgr);
            bgr = null;
        }
    }
}
