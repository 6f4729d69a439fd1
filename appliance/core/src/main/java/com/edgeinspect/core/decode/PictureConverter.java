package com.edgeinspect.core.decode;

import static org.bytedeco.ffmpeg.global.avutil.AVCOL_RANGE_JPEG;
import static org.bytedeco.ffmpeg.global.avutil.AVCOL_SPC_UNSPECIFIED;
import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_BGR24;
import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_RGB24;
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
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerPointer;

/**
 * Decoded pictures (FFmpeg's) to packed BGR or RGB with the stream's own colour matrix and range. swscale (and with it
 * JavaCV's conversion) takes BT.601 whatever a stream says; this follows the stream's tags, and for an untagged stream
 * takes BT.709 above 576 lines (BT.2020 from 2160), as GStreamer decides it. The same camera must look the same to the
 * detector through either frame source, and training must see its clips as the appliance does, so both of the
 * appliance's sources (the GStreamer one hands over its I420 pictures), its tools and the trainer all convert here:
 * the same decoded pixels give the same BGR, bit for bit. FFmpeg's API comes from the module using this (JavaCPP's
 * FFmpeg presets). Not thread-safe: one per decode thread.
 */
public final class PictureConverter implements AutoCloseable {

    private static final java.util.Set<Integer> FULL_RANGE_FORMATS = java.util.Set.of(AV_PIX_FMT_YUVJ420P,
            AV_PIX_FMT_YUVJ422P, AV_PIX_FMT_YUVJ444P, AV_PIX_FMT_YUVJ440P, AV_PIX_FMT_YUVJ411P);

    private final int pixelFormat;
    private SwsContext sws;
    private BytePointer packed;
    /** Bytes allocated beyond what a picture needs, FFmpeg's usual padding, in case a converter reads or writes on. */
    private static final int SLACK = 64;

    /** Where swscale writes when a row's width is not a multiple of 16 (see {@link #convert}); else null. */
    private BytePointer padded;
    private final PointerPointer<BytePointer> dst = new PointerPointer<>(1);
    private final IntPointer dstStride = new IntPointer(1);
    private int width;
    private int height;
    private int format = -1;
    private int matrix = -1;
    private boolean fullRange;

    /** To packed BGR, as the detector takes frames. */
    public PictureConverter() {
        this(AV_PIX_FMT_BGR24);
    }

    /** @param pixelFormat a packed 3-byte FFmpeg pixel format: {@code AV_PIX_FMT_BGR24} or {@code AV_PIX_FMT_RGB24} */
    public PictureConverter(int pixelFormat) {
        if (pixelFormat != AV_PIX_FMT_BGR24 && pixelFormat != AV_PIX_FMT_RGB24) {
            throw new IllegalArgumentException("packed BGR or RGB only, not pixel format " + pixelFormat);
        }
        this.pixelFormat = pixelFormat;
    }

    /** Converts {@code picture}; returns its packed pixels, rows back to back, valid until the next call. */
    public BytePointer convert(AVFrame picture) {
        int w = picture.width();
        int h = picture.height();
        int m = matrix(picture.colorspace(), h);
        boolean full = picture.color_range() == AVCOL_RANGE_JPEG || FULL_RANGE_FORMATS.contains(picture.format());
        if (w != width || h != height || picture.format() != format) {
            // JavaCV's flags: a BT.601 stream converts bit for bit as the trainer's decoder (JavaCV's) saw it.
            sws = sws_getCachedContext(sws, w, h, picture.format(), w, h, pixelFormat, SWS_BILINEAR, null, null,
                    (DoublePointer) null);
            if (sws == null) {
                throw new IllegalStateException("no conversion from pixel format " + picture.format() + " to "
                        + pixelFormat);
            }
            if (packed != null) {
                av_free(packed);
            }
            if (padded != null) {
                av_free(padded);
                padded = null;
            }
            // swscale's x86 converters write rows in blocks of 16 pixels: a row of another width has its last pixels
            // left unwritten (1282 and 1366 wide) or the last block written past the buffer's end (24 bytes at 1288
            // wide), measured. So they write rows of a multiple of 16 pixels, packed after when the width is not one.
            int stride = (w + 15) / 16 * 16 * 3;
            packed = new BytePointer(av_malloc((long) w * h * 3 + SLACK)).capacity((long) w * h * 3);
            if (stride != w * 3) {
                padded = new BytePointer(av_malloc((long) stride * h + SLACK)).capacity((long) stride * h);
            }
            dst.put(0, padded != null ? padded : packed);
            dstStride.put(0, stride);
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
        if (padded != null) {
            int row = w * 3;
            for (int y = 0; y < h; y++) {
                Pointer.memcpy(packed.position((long) y * row), padded.position((long) y * dstStride.get(0)), row);
            }
            packed.position(0);
            padded.position(0);
        }
        return packed;
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
        if (packed != null) {
            av_free(packed);
            packed = null;
        }
        if (padded != null) {
            av_free(padded);
            padded = null;
        }
    }
}
