package com.edgeinspect.core.detect;

/**
 * Packed 8-bit BGR (what decoders give) into the detector's input: planar RGB floats, normalised with
 * {@link DetectorOutputs#MEAN} and {@link DetectorOutputs#STD}, padded with zeros (mid-grey after normalisation) at
 * the right and bottom to the next multiple of {@link DetectorOutputs#ALIGN}. Full resolution, no resampling: small
 * defects keep every pixel. The output array is reused between frames of the same size.
 */
public final class Preprocessor {

    private float[] buffer = new float[0];
    private final float[] lut = new float[256];

    public Preprocessor() {
        for (int v = 0; v < 256; v++) {
            lut[v] = DetectorOutputs.normalise(v / 255f);
        }
    }

    public static int aligned(int v) {
        return (v + DetectorOutputs.ALIGN - 1) / DetectorOutputs.ALIGN * DetectorOutputs.ALIGN;
    }

    /** Converts one frame; the returned array is owned by this preprocessor and overwritten by the next call. */
    public float[] apply(byte[] bgr, int width, int height) {
        int pw = aligned(width);
        int ph = aligned(height);
        int plane = pw * ph;
        if (buffer.length != 3 * plane) {
            buffer = new float[3 * plane];
        } else if (pw != width || ph != height) {
            java.util.Arrays.fill(buffer, 0f);
        }
        float[] out = buffer;
        for (int y = 0; y < height; y++) {
            int src = y * width * 3;
            int dst = y * pw;
            for (int x = 0; x < width; x++, src += 3) {
                out[dst + x] = lut[bgr[src + 2] & 255];
                out[plane + dst + x] = lut[bgr[src + 1] & 255];
                out[2 * plane + dst + x] = lut[bgr[src] & 255];
            }
        }
        return out;
    }
}
