package com.edgeinspect.core.detect;

import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.stream.IntStream;

/**
 * Packed 8-bit BGR (what decoders give) into the detector's input: planar RGB floats, normalised with
 * {@link DetectorOutputs#MEAN} and {@link DetectorOutputs#STD}, padded with zeros (mid-grey after normalisation) at
 * the right and bottom to the next multiple of {@link DetectorOutputs#ALIGN}. Full resolution, no resampling: small
 * defects keep every pixel. A region of interest is cut out while converting, so the frame is never copied.
 *
 * <p>The output is one direct, native-order buffer reused between frames of the same size: ONNX Runtime reads it in
 * place, so a 1080p frame costs no allocation and no extra 25 MB copy. Rows are converted in bands on the common
 * fork-join pool. Not thread-safe: one per calling thread.
 */
public final class Preprocessor {

    private static final int BANDS = Runtime.getRuntime().availableProcessors();

    private FloatBuffer buffer = FloatBuffer.allocate(0);
    /** The region size the buffer's padding is zero for; padding is never written, so it stays zero until then. */
    private int width = -1;
    private int height = -1;
    private final float[] lut = new float[256];

    public Preprocessor() {
        for (int v = 0; v < 256; v++) {
            lut[v] = DetectorOutputs.normalise(v / 255f);
        }
    }

    public static int aligned(int v) {
        return (v + DetectorOutputs.ALIGN - 1) / DetectorOutputs.ALIGN * DetectorOutputs.ALIGN;
    }

    /** The detector's input shape for a {@code width x height} image: one padded NCHW image. */
    public static long[] shape(int width, int height) {
        return new long[] {1, 3, aligned(height), aligned(width)};
    }

    /** Converts a whole frame. */
    public FloatBuffer apply(byte[] bgr, int width, int height) {
        return apply(bgr, width, 0, 0, width, height);
    }

    /**
     * Converts the {@code width x height} region at ({@code x0}, {@code y0}) of a frame {@code frameWidth} pixels
     * wide. The returned buffer is owned by this preprocessor and overwritten by the next call.
     */
    public FloatBuffer apply(byte[] bgr, int frameWidth, int x0, int y0, int width, int height) {
        int pw = aligned(width);
        int ph = aligned(height);
        int plane = pw * ph;
        if (width != this.width || height != this.height) {
            if (buffer.capacity() != 3 * plane) {
                buffer = java.nio.ByteBuffer.allocateDirect(3 * plane * 4).order(ByteOrder.nativeOrder())
                        .asFloatBuffer();
            } else {
                for (int i = 0; i < 3 * plane; i++) {
                    buffer.put(i, 0f);
                }
            }
            this.width = width;
            this.height = height;
        }
        FloatBuffer out = buffer;
        // Bands of rows on every core: ONNX Runtime waits for this frame, so the other cores are free.
        IntStream.range(0, BANDS).parallel().forEach(band -> rows(bgr, frameWidth, x0, y0, width,
                band * height / BANDS, (band + 1) * height / BANDS, pw, plane, out));
        out.clear();
        return out;
    }

    /** Converts rows {@code from} to {@code to} (exclusive) of the region; absolute puts, so bands may run at once. */
    private void rows(byte[] bgr, int frameWidth, int x0, int y0, int width, int from, int to, int pw, int plane,
            FloatBuffer out) {
        for (int y = from; y < to; y++) {
            int src = ((y0 + y) * frameWidth + x0) * 3;
            int dst = y * pw;
            for (int x = 0; x < width; x++, src += 3) {
                out.put(dst + x, lut[bgr[src + 2] & 255]);
                out.put(plane + dst + x, lut[bgr[src + 1] & 255]);
                out.put(2 * plane + dst + x, lut[bgr[src] & 255]);
            }
        }
    }

    /** A copy of a converted buffer as an array (golden data, tests). */
    public static float[] toArray(FloatBuffer b) {
        float[] a = new float[b.remaining()];
        b.duplicate().get(a);
        return a;
    }
}
