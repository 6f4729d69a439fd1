package com.edgeinspect.appliance.source;

import static org.bytedeco.ffmpeg.global.avutil.AVCOL_RANGE_JPEG;
import static org.bytedeco.ffmpeg.global.avutil.AVCOL_RANGE_MPEG;
import static org.bytedeco.ffmpeg.global.avutil.AVCOL_SPC_BT2020_NCL;
import static org.bytedeco.ffmpeg.global.avutil.AVCOL_SPC_BT709;
import static org.bytedeco.ffmpeg.global.avutil.AVCOL_SPC_FCC;
import static org.bytedeco.ffmpeg.global.avutil.AVCOL_SPC_SMPTE170M;
import static org.bytedeco.ffmpeg.global.avutil.AVCOL_SPC_SMPTE240M;
import static org.bytedeco.ffmpeg.global.avutil.AVCOL_SPC_UNSPECIFIED;
import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_YUV420P;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_alloc;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_free;

import java.nio.ByteBuffer;
import org.bytedeco.ffmpeg.avutil.AVFrame;
import org.bytedeco.javacpp.BytePointer;

/**
 * A GStreamer I420 buffer seen as an FFmpeg picture, without a copy, so that {@link
 * com.edgeinspect.core.decode.PictureConverter} turns it into BGR exactly as it does the FFmpeg source's pictures and
 * the trainer's: the same pixels decoded (H.264 decoding is bit-exact) give the same BGR, where {@code videoconvert}
 * rounds its own way (1.7 levels darker in green and red). The planes sit in GStreamer's default layout (rows padded to
 * 4 bytes; appsink asks for no video meta); a buffer of any other size is refused, the sizes named. The colours come
 * from the caps' {@code colorimetry}, named ({@code bt601}, {@code bt709}, ...) or as
 * {@code range:matrix:transfer:primaries}. Not thread-safe: one per pipeline.
 */
final class I420Picture implements AutoCloseable {

    private AVFrame frame = av_frame_alloc();

    /** The picture in {@code yuv} (valid while it is mapped), {@code width x height}, with the caps' colours. */
    AVFrame of(ByteBuffer yuv, int width, int height, String colorimetry) {
        int lumaStride = (width + 3) & ~3;
        int chromaStride = (((width + 1) / 2) + 3) & ~3;
        int lumaRows = (height + 1) & ~1;
        long u = (long) lumaStride * lumaRows;
        long v = u + (long) chromaStride * (lumaRows / 2);
        long size = v + (long) chromaStride * (lumaRows / 2);
        if (yuv.capacity() != size) { // rows of another pitch would be read askew: refuse them, visibly
            throw new IllegalArgumentException("an I420 picture of " + width + "x" + height + " in GStreamer's default "
                    + "layout takes " + size + " bytes, this buffer " + yuv.capacity());
        }
        BytePointer base = new BytePointer(yuv).position(0);
        frame.width(width).height(height).format(AV_PIX_FMT_YUV420P);
        frame.data(0, base).data(1, base.getPointer(u)).data(2, base.getPointer(v));
        frame.linesize(0, lumaStride).linesize(1, chromaStride).linesize(2, chromaStride);
        int[] colours = colours(colorimetry);
        frame.colorspace(colours[0]).color_range(colours[1]);
        return frame;
    }

    /** FFmpeg's colour space and range for GStreamer's colorimetry (unspecified and limited when it says nothing). */
    static int[] colours(String colorimetry) {
        if (colorimetry == null) {
            return new int[] {AVCOL_SPC_UNSPECIFIED, AVCOL_RANGE_MPEG};
        }
        String[] f = colorimetry.split(":");
        if (f.length == 4) {
            int range = f[0].equals("1") ? AVCOL_RANGE_JPEG : AVCOL_RANGE_MPEG;
            int matrix = switch (f[1]) {
                case "2" -> AVCOL_SPC_FCC;
                case "3" -> AVCOL_SPC_BT709;
                case "4" -> AVCOL_SPC_SMPTE170M;
                case "5" -> AVCOL_SPC_SMPTE240M;
                case "6" -> AVCOL_SPC_BT2020_NCL;
                default -> AVCOL_SPC_UNSPECIFIED;
            };
            return new int[] {matrix, range};
        }
        int matrix = colorimetry.startsWith("bt601") ? AVCOL_SPC_SMPTE170M
                : colorimetry.startsWith("bt709") ? AVCOL_SPC_BT709
                : colorimetry.startsWith("bt2020") || colorimetry.startsWith("bt2100") ? AVCOL_SPC_BT2020_NCL
                : colorimetry.startsWith("smpte240m") ? AVCOL_SPC_SMPTE240M : AVCOL_SPC_UNSPECIFIED;
        return new int[] {matrix, AVCOL_RANGE_MPEG};
    }

    @Override
    public void close() {
        if (frame != null) {
            av_frame_free(frame);
            frame = null;
        }
    }
}
