package com.edgeinspect.appliance.publish;

import static org.assertj.core.api.Assertions.assertThat;

import com.edgeinspect.core.dataset.Box;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

/** A snapshot is the frame's own pixels around the defect: the right crop, placed inside the frame at its edges. */
class JpegTest {

    private static final int W = 1920;
    private static final int H = 1080;

    /** A smooth pattern that says where each pixel came from: blue grows with x, green with y. */
    private static byte[] frame() {
        byte[] bgr = new byte[W * H * 3];
        for (int y = 0; y < H; y++) {
            for (int x = 0; x < W; x++) {
                int i = (y * W + x) * 3;
                bgr[i] = (byte) (x / 8);
                bgr[i + 1] = (byte) (y / 5);
                bgr[i + 2] = (byte) 128;
            }
        }
        return bgr;
    }

    @Test
    void theSnapshotIsTheCropAroundTheBox() throws Exception {
        BufferedImage inside = decode(Jpeg.snapshot(frame(), W, H, new Jpeg.Mark(new Box(1000, 600, 1040, 630), "x"),
                95));
        assertThat(inside.getWidth()).isEqualTo(384);
        assertThat(inside.getHeight()).isEqualTo(384);
        assertCameFrom(inside, 828, 423); // centred on the box: (1020, 615) - 192

        BufferedImage corner = decode(Jpeg.snapshot(frame(), W, H, new Jpeg.Mark(new Box(1900, 1060, 1915, 1075), "x"),
                95));
        assertThat(corner.getWidth()).isEqualTo(384);
        assertCameFrom(corner, W - 384, H - 384); // pushed inside the frame
    }

    /** Pixels of the snapshot away from the drawn box match the frame's at the crop's origin {@code (x0, y0)}. */
    private static void assertCameFrom(BufferedImage img, int x0, int y0) {
        for (int[] p : new int[][] {{5, 5}, {370, 10}, {10, 370}, {370, 370}, {100, 250}}) {
            int rgb = img.getRGB(p[0], p[1]);
            assertThat(rgb & 0xff).as("blue at " + p[0] + "," + p[1]).isCloseTo((x0 + p[0]) / 8,
                    org.assertj.core.data.Offset.offset(4));
            assertThat((rgb >> 8) & 0xff).as("green at " + p[0] + "," + p[1]).isCloseTo((y0 + p[1]) / 5,
                    org.assertj.core.data.Offset.offset(4));
        }
    }

    private static BufferedImage decode(byte[] jpeg) throws Exception {
        return ImageIO.read(new ByteArrayInputStream(jpeg));
    }
}
