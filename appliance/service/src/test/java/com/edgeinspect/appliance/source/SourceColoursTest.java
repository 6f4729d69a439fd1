package com.edgeinspect.appliance.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.bytedeco.ffmpeg.global.avutil.AVCOL_RANGE_JPEG;
import static org.bytedeco.ffmpeg.global.avutil.AVCOL_RANGE_MPEG;
import static org.bytedeco.ffmpeg.global.avutil.AVCOL_SPC_BT2020_NCL;
import static org.bytedeco.ffmpeg.global.avutil.AVCOL_SPC_BT709;
import static org.bytedeco.ffmpeg.global.avutil.AVCOL_SPC_SMPTE170M;
import static org.bytedeco.ffmpeg.global.avutil.AVCOL_SPC_UNSPECIFIED;

import com.edgeinspect.core.decode.PictureConverter;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.bytedeco.ffmpeg.avutil.AVFrame;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Both frame sources show the detector a stream in the same pixels, bit for bit, whatever the stream says of its colour
 * matrix: BT.601 (as the trainer's clips are tagged), BT.709 (as HD cameras tag theirs) or nothing; both decode H.264
 * (bit-exact) and convert through the same {@code PictureConverter}. The first frame of the
 * committed clip is re-tagged without re-encoding (FFmpeg's {@code h264_metadata}), so only the tag differs.
 */
class SourceColoursTest {

    @TempDir
    Path dir;

    @ParameterizedTest(name = "matrix {0} ({1})")
    @CsvSource({"6, BT.601", "1, BT.709", "2, untagged"})
    void bothSourcesShowAFrameInTheSameColours(int matrix, String name) throws Exception {
        Path clip = dir.resolve("one.h264");
        Process p = new ProcessBuilder("ffmpeg", "-v", "error", "-y", "-i", FrameSourceTest.CLIP.toString(),
                "-frames:v", "1", "-c", "copy", "-bsf:v", "h264_mp4toannexb,h264_metadata=colour_primaries=" + matrix
                        + ":transfer_characteristics=" + matrix + ":matrix_coefficients=" + matrix,
                "-f", "h264", clip.toString()).inheritIO().start();
        assertThat(p.waitFor()).as("ffmpeg re-tagging the clip").isZero();
        byte[] ffmpeg = firstFrame(clip, "ffmpeg");
        byte[] gstreamer = firstFrame(clip, "avdec_h264");
        assertThat(difference(ffmpeg, gstreamer)).as("largest difference, FFmpeg vs GStreamer (%s)", name).isZero();
    }

    /**
     * Widths that are not a multiple of 16: 1282, whose rows GStreamer pads (luma rows to 1284 bytes, chroma rows of
     * 641 to 644), so the planes must be found where GStreamer lays them out; and 1288, where swscale's blocks of 16
     * pixels once wrote past the picture's buffer. One frame, so both sources hand over the same one.
     */
    @ParameterizedTest(name = "{0} pixels wide")
    @CsvSource({"1282", "1288"})
    void aStreamOfAnyWidthConvertsTheSameThroughBothSources(int width) throws Exception {
        Path clip = dir.resolve("odd.mp4");
        Process p = new ProcessBuilder("ffmpeg", "-v", "error", "-y", "-i", FrameSourceTest.CLIP.toString(),
                "-frames:v", "1", "-vf", "crop=" + width + ":722:300:200", "-c:v", "libx264", "-pix_fmt", "yuv420p",
                clip.toString()).inheritIO().start();
        assertThat(p.waitFor()).as("ffmpeg cutting a clip %d pixels wide", width).isZero();
        byte[] ffmpeg = firstFrame(clip, "ffmpeg", width);
        byte[] gstreamer = firstFrame(clip, "avdec_h264", width);
        assertThat(difference(ffmpeg, gstreamer)).as("largest difference, FFmpeg vs GStreamer").isZero();

        // Every pixel is written, a row's last too (swscale's x86 converters leave them to whatever the buffer held
        // unless a row has room for a whole block of 16): poisoned between two conversions, none survives.
        try (FFmpegFrameGrabber g = FfmpegSource.rawGrabber(clip.toString());
                PictureConverter c = new PictureConverter()) {
            g.start();
            AVFrame picture = FfmpegSource.grabPicture(g);
            BytePointer first = c.convert(picture);
            byte[] once = new byte[width * 722 * 3];
            first.get(once);
            for (long i = 0; i < once.length; i++) {
                first.put(i, (byte) 0xA5);
            }
            byte[] twice = new byte[once.length];
            c.convert(picture).get(twice);
            assertThat(twice).as("a second conversion of the same picture, the buffer poisoned between").isEqualTo(once);
        }
    }

    @Test
    void gstreamerColorimetryBecomesFfmpegColours() {
        assertThat(I420Picture.colours("bt601")).containsExactly(AVCOL_SPC_SMPTE170M, AVCOL_RANGE_MPEG);
        assertThat(I420Picture.colours("bt709")).containsExactly(AVCOL_SPC_BT709, AVCOL_RANGE_MPEG);
        assertThat(I420Picture.colours("bt2020")).containsExactly(AVCOL_SPC_BT2020_NCL, AVCOL_RANGE_MPEG);
        assertThat(I420Picture.colours("1:4:0:0")).as("full-range BT.601")
                .containsExactly(AVCOL_SPC_SMPTE170M, AVCOL_RANGE_JPEG);
        assertThat(I420Picture.colours("2:3:5:1")).containsExactly(AVCOL_SPC_BT709, AVCOL_RANGE_MPEG);
        assertThat(I420Picture.colours("2:0:0:0")).containsExactly(AVCOL_SPC_UNSPECIFIED, AVCOL_RANGE_MPEG);
        assertThat(I420Picture.colours(null)).containsExactly(AVCOL_SPC_UNSPECIFIED, AVCOL_RANGE_MPEG);
    }

    /** The largest difference of two pictures' bytes, in levels, and the mean per channel printed. */
    private static int difference(byte[] ffmpeg, byte[] gstreamer) {
        assertThat(gstreamer).hasSameSizeAs(ffmpeg);
        double[] mean = new double[3];
        int max = 0;
        for (int i = 0; i < ffmpeg.length; i++) {
            int d = Math.abs((ffmpeg[i] & 0xff) - (gstreamer[i] & 0xff));
            mean[i % 3] += d / (ffmpeg.length / 3.0);
            max = Math.max(max, d);
        }
        System.out.printf(java.util.Locale.ROOT, "FFmpeg vs GStreamer, mean |difference| B/G/R %.2f %.2f %.2f, "
                + "largest %d%n", mean[0], mean[1], mean[2], max);
        return max;
    }

    private static byte[] firstFrame(Path clip, String decoder) throws Exception {
        return firstFrame(clip, decoder, 1920);
    }

    private static byte[] firstFrame(Path clip, String decoder, int width) throws Exception {
        try (FrameSource s = FrameSource.of(FrameSourceTest.stream(clip.toString(), false, false, decoder)).start()) {
            FrameSourceTest.await(() -> s.decoded() > 0 || s.state() == StreamState.RECONNECTING, decoder + " frame");
            FrameBuffer f = s.frames().take(5, TimeUnit.SECONDS);
            assertThat(f).as(decoder + " frame (%s)", s.lastError()).isNotNull();
            assertThat(f.width()).isEqualTo(width);
            byte[] bgr = java.util.Arrays.copyOf(f.bgr(), f.width() * f.height() * 3);
            s.frames().release(f);
            return bgr;
        }
    }
}
