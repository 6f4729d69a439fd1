package com.edgeinspect.core.detect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import com.edgeinspect.core.dataset.Box;
import java.nio.FloatBuffer;
import java.util.List;
import org.junit.jupiter.api.Test;

class CenterNetDecoderTest {

    @Test
    void peaksBecomeBoxesAndNeighboursAreSuppressed() {
        int c = 2;
        int h = 6;
        int w = 8;
        float[] hm = new float[c * h * w];
        float[] size = new float[2 * h * w];
        float[] off = new float[2 * h * w];
        // class 1, cell (x=3, y=2): a peak of 0.9 with a 0.8 neighbour that must not become a second box
        hm[h * w + 2 * w + 3] = 0.9f;
        hm[h * w + 2 * w + 4] = 0.8f;
        size[2 * w + 3] = (float) Math.log(2.5); // width 2.5 cells = 10 px
        size[h * w + 2 * w + 3] = (float) Math.log(5); // height 5 cells = 20 px
        off[2 * w + 3] = 0.5f;
        off[h * w + 2 * w + 3] = 0.25f;
        // class 0: below threshold
        hm[5 * w + 5] = 0.2f;
        List<Detection> d = new CenterNetDecoder(0.3f, 10).decode(FloatBuffer.wrap(hm), FloatBuffer.wrap(size),
                FloatBuffer.wrap(off), c, h, w, 1.0, 32, 24);
        assertThat(d).hasSize(1);
        Detection x = d.get(0);
        assertThat(x.classId()).isEqualTo(1);
        assertThat(x.score()).isEqualTo(0.9f);
        // centre ((3 + 0.5) * 4, (2 + 0.25) * 4) = (14, 9); box 10 x 20, clipped at the top
        assertThat(x.box().x1()).isCloseTo(9, offset(1e-4));
        assertThat(x.box().x2()).isCloseTo(19, offset(1e-4));
        assertThat(x.box().y1()).isCloseTo(0, offset(1e-4));
        assertThat(x.box().y2()).isCloseTo(19, offset(1e-4));
    }

    @Test
    void plateausGiveOnePeakAndTopKKeepsTheBest() {
        int h = 4;
        int w = 4;
        float[] hm = new float[h * w];
        hm[5] = 0.7f;
        hm[6] = 0.7f; // a plateau of two equal cells
        hm[15] = 0.95f;
        FloatBuffer zeros = FloatBuffer.allocate(2 * h * w);
        List<Detection> d = new CenterNetDecoder(0.5f, 1).decode(FloatBuffer.wrap(hm), zeros, zeros, 1, h, w, 2.0, 100,
                100);
        assertThat(d).hasSize(1);
        assertThat(d.get(0).score()).isEqualTo(0.95f);
        // scale 2: cell (3,3) with zero offset and log size 0 (1 cell) -> centre 24, side 8
        assertThat(d.get(0).box()).isEqualTo(new Box(20, 20, 28, 28));
        assertThat(new CenterNetDecoder(0.5f, 10).decode(FloatBuffer.wrap(hm), zeros, zeros, 1, h, w, 1, 100, 100))
                .hasSize(2);
    }

    @Test
    void preprocessorPadsToTheGridAndNormalises() {
        byte[] bgr = new byte[20 * 18 * 3];
        bgr[0] = 0;
        bgr[1] = (byte) 128;
        bgr[2] = (byte) 255; // top-left pixel: B=0 G=128 R=255
        float[] in = Preprocessor.toArray(new Preprocessor().apply(bgr, 20, 18));
        int pw = 32;
        int ph = 32;
        assertThat(in).hasSize(3 * pw * ph);
        assertThat(in[0]).isCloseTo((1f - 0.5f) / 0.25f, offset(1e-6f)); // R plane first
        assertThat(in[pw * ph]).isCloseTo((128 / 255f - 0.5f) / 0.25f, offset(1e-6f));
        assertThat(in[2 * pw * ph]).isCloseTo(-2f, offset(1e-6f));
        assertThat(in[31]).isZero(); // padding
    }

    @Test
    void paddingStaysZeroWhenTheRegionSizeChangesButTheGridDoesNot() {
        Preprocessor pre = new Preprocessor();
        byte[] white = new byte[20 * 18 * 3];
        java.util.Arrays.fill(white, (byte) 255);
        pre.apply(white, 20, 18);
        pre.apply(white, 20, 18); // same size again: its padding was never written
        float[] in = Preprocessor.toArray(pre.apply(new byte[18 * 18 * 3], 18, 18)); // same 32x32 grid
        assertThat(in[17]).isCloseTo(-2f, offset(1e-6f)); // the new frame: black
        assertThat(in[18]).isZero(); // was white in the 20-wide frame, padding now
        assertThat(in[19]).isZero();
    }

    @Test
    void aRegionOfInterestIsConvertedPixelForPixel() {
        int fw = 40;
        int fh = 30;
        byte[] bgr = new byte[fw * fh * 3];
        new java.util.Random(7).nextBytes(bgr);
        int x0 = 5;
        int y0 = 3;
        int w = 21;
        int h = 17;
        float[] in = Preprocessor.toArray(new Preprocessor().apply(bgr, fw, x0, y0, w, h));
        int pw = Preprocessor.aligned(w);
        int plane = pw * Preprocessor.aligned(h);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int src = ((y0 + y) * fw + x0 + x) * 3;
                for (int c = 0; c < 3; c++) { // planes R, G, B from packed B, G, R
                    float expected = DetectorOutputs.normalise((bgr[src + 2 - c] & 255) / 255f);
                    assertThat(in[c * plane + y * pw + x]).as("plane %d at (%d, %d)", c, x, y).isEqualTo(expected);
                }
            }
        }
    }
}
