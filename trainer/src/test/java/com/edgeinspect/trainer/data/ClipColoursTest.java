package com.edgeinspect.trainer.data;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Training decodes a clip in the colours its stream declares, through the converter the appliance uses: the committed
 * clips are tagged BT.601, swscale's own matrix, so their frames match a plain FFmpeg conversion bit for bit; the same
 * stream tagged BT.709 (FFmpeg's {@code h264_metadata}, no re-encoding) decodes to other colours.
 */
class ClipColoursTest {

    private static final Path CLIP = Path.of("../test-videos/mixed-defects.mp4");

    @TempDir
    Path dir;

    @Test
    void aClipIsDecodedInTheColoursItsStreamDeclares() throws Exception {
        byte[] plain = new byte[1920 * 1080 * 3];
        try (FFmpegFrameGrabber g = new FFmpegFrameGrabber(CLIP.toFile())) {
            g.setPixelFormat(avutil.AV_PIX_FMT_BGR24);
            g.start();
            AnnotatedVideo.copyPixels(g.grabImage(), 0, 0, 1920, 1080, plain);
        }
        assertThat(firstFrame(CLIP)).isEqualTo(plain);

        Path bt709 = dir.resolve("mixed-defects.h264");
        Process p = new ProcessBuilder("ffmpeg", "-v", "error", "-i", CLIP.toString(), "-c", "copy", "-bsf:v",
                "h264_mp4toannexb,h264_metadata=colour_primaries=1:transfer_characteristics=1:matrix_coefficients=1",
                "-f", "h264", bt709.toString()).inheritIO().start();
        assertThat(p.waitFor()).as("ffmpeg re-tagging the clip").isZero();
        Files.copy(CLIP.resolveSibling("mixed-defects.json"), dir.resolve("mixed-defects.json"));
        byte[] asBt709 = firstFrame(bt709);
        int largest = 0;
        for (int i = 0; i < plain.length; i++) {
            largest = Math.max(largest, Math.abs((plain[i] & 0xff) - (asBt709[i] & 0xff)));
        }
        assertThat(largest).as("largest difference BT.709 vs BT.601").isGreaterThan(5);
    }

    private static byte[] firstFrame(Path clip) throws Exception {
        byte[] bgr = new byte[1920 * 1080 * 3];
        AnnotatedVideo.open(clip).decode(avutil.AV_PIX_FMT_BGR24, 300, "colours", (index, frame, labels) -> {
            if (index == 0) {
                AnnotatedVideo.copyPixels(frame, 0, 0, 1920, 1080, bgr);
            }
        });
        return bgr;
    }
}
