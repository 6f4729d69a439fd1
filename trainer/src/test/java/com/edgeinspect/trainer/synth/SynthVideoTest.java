package com.edgeinspect.trainer.synth;

import static org.assertj.core.api.Assertions.assertThat;

import com.edgeinspect.core.dataset.Box;
import com.edgeinspect.core.dataset.VideoAnnotations;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import org.bytedeco.ffmpeg.avcodec.AVCodecParameters;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.Frame;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Generates a real 10 s 1080p clip, decodes it with FFmpeg and checks that the ground truth describes the pixels: the
 * decoded frames are compared with the same scene rendered without defects, and every labelled defect must show up
 * as a difference inside its box, well above the codec noise elsewhere.
 */
class SynthVideoTest {

    @TempDir
    static Path dir;

    static SynthOptions options;
    static SynthVideo.Result result;

    @BeforeAll
    static void generate() throws Exception {
        options = new SynthOptions(42, 10, 30, 1920, 1080, 0.6, EnumSet.allOf(DefectClass.class),
                SynthOptions.Preset.NORMAL.difficulty(), 4000);
        result = SynthVideo.generate(options, dir.resolve("clip.mp4"), Map.of("seed", 42));
    }

    @Test
    void writesClipAndAnnotationsThatReadBack() throws Exception {
        assertThat(result.video()).exists();
        assertThat(Files.size(result.video())).isBetween(500_000L, 8_000_000L);
        VideoAnnotations a = VideoAnnotations.read(result.annotations());
        assertThat(a).isEqualTo(result.labels());
        assertThat(a.video().frames()).isEqualTo(300);
        assertThat(a.classes()).containsExactly("scratch", "crack", "pit", "stain", "chip");
        assertThat(a.parts()).hasSizeGreaterThan(10);
        assertThat(a.parts().stream().filter(VideoAnnotations.Part::defective).count()).isGreaterThan(3);
        assertThat(a.defects().stream().map(VideoAnnotations.Defect::classId).distinct().count()).isGreaterThanOrEqualTo(4);
        // A defect on a moving part is one track over many frames.
        long framesOfFirst = a.frames().stream().filter(f -> f.defects().stream()
                .anyMatch(d -> d.id() == a.defects().get(0).id())).count();
        assertThat(framesOfFirst).isGreaterThan(20);
    }

    @Test
    void decodesToThreeHundredFullHdFrames() throws Exception {
        try (FFmpegFrameGrabber g = new FFmpegFrameGrabber(result.video().toFile())) {
            g.start();
            assertThat(g.getImageWidth()).isEqualTo(1920);
            assertThat(g.getImageHeight()).isEqualTo(1080);
            assertThat(g.getVideoCodecName()).isEqualTo("h264");
            assertThat(g.getFrameRate()).isEqualTo(30.0);
            int n = 0;
            while (g.grabImage() != null) {
                n++;
            }
            assertThat(n).isEqualTo(300);
        }
    }

    @Test
    void saysItsColoursAreBt601LimitedRange() throws Exception {
        try (FFmpegFrameGrabber g = new FFmpegFrameGrabber(result.video().toFile())) {
            g.start();
            AVCodecParameters p = g.getFormatContext().streams(g.getVideoStream()).codecpar();
            assertThat(p.color_space()).isEqualTo(avutil.AVCOL_SPC_SMPTE170M);
            assertThat(p.color_primaries()).isEqualTo(avutil.AVCOL_PRI_SMPTE170M);
            assertThat(p.color_trc()).isEqualTo(avutil.AVCOL_TRC_SMPTE170M);
            assertThat(p.color_range()).isEqualTo(avutil.AVCOL_RANGE_MPEG);
        }
    }

    @Test
    void groundTruthBoxesLandOnDrawnDefects() throws Exception {
        Scene clean = new Scene(options, false);
        int[] cleanRgb = new int[1920 * 1080];
        List<Double> inside = new ArrayList<>();
        List<Double> shifted = new ArrayList<>();
        double[] background = new double[2];
        try (FFmpegFrameGrabber g = new FFmpegFrameGrabber(result.video().toFile())) {
            g.setPixelFormat(avutil.AV_PIX_FMT_GRAY8);
            g.start();
            for (int f = 0; f < 300; f++) {
                Frame frame = g.grabImage();
                if (f % 15 != 0) {
                    continue;
                }
                clean.render(f, cleanRgb);
                ByteBuffer luma = (ByteBuffer) frame.image[0];
                int stride = frame.imageStride;
                VideoAnnotations.FrameLabels labels = result.labels().frames().get(f);
                boolean[] inBox = new boolean[1920 * 1080];
                for (VideoAnnotations.DefectBox d : labels.defects()) {
                    mark(inBox, d.box().x1() - 4, d.box().y1() - 4, d.box().x2() + 4, d.box().y2() + 4);
                }
                for (int y = 0; y < 1080; y += 3) {
                    for (int x = 0; x < 1920; x += 3) {
                        if (!inBox[y * 1920 + x]) {
                            background[0] += diff(luma, stride, cleanRgb, x, y);
                            background[1]++;
                        }
                    }
                }
                for (VideoAnnotations.DefectBox d : labels.defects()) {
                    if (d.visible() < 0.9) {
                        continue;
                    }
                    inside.add(meanDiff(luma, stride, cleanRgb, d.box()));
                    // The same box moved onto nearby part surface or belt must not light up.
                    double dx = d.box().width() + 12;
                    Box away = d.box().x2() + dx < 1920 ? new Box(d.box().x1() + dx, d.box().y1(), d.box().x2() + dx,
                            d.box().y2()) : new Box(d.box().x1() - dx, d.box().y1(), d.box().x2() - dx, d.box().y2());
                    if (!overlapsAny(away, labels)) {
                        shifted.add(meanDiff(luma, stride, cleanRgb, away));
                    }
                }
            }
        }
        double noise = background[0] / background[1];
        System.out.printf("noise %.2f; inside %s; shifted %s%n", noise, summary(inside), summary(shifted));
        assertThat(inside).hasSizeGreaterThan(20);
        // The top-tenth statistic of pure codec noise sits near twice its mean; a drawn defect sits far above.
        double threshold = 4 * noise;
        long lit = inside.stream().filter(v -> v > threshold).count();
        long litAway = shifted.stream().filter(v -> v > threshold).count();
        assertThat((double) lit / inside.size()).as("boxes showing their defect (noise %.2f)", noise).isGreaterThan(0.9);
        assertThat((double) litAway / shifted.size()).as("shifted boxes showing a difference").isLessThan(0.1);
    }

    private static String summary(List<Double> v) {
        List<Double> s = v.stream().sorted().toList();
        return String.format(java.util.Locale.ROOT, "n=%d p10=%.1f p50=%.1f p90=%.1f", s.size(), s.get(s.size() / 10),
                s.get(s.size() / 2), s.get(s.size() * 9 / 10));
    }

    private static boolean overlapsAny(Box b, VideoAnnotations.FrameLabels labels) {
        return labels.defects().stream().anyMatch(d -> d.box().iou(b) > 0 || touches(d.box(), b));
    }

    private static boolean touches(Box a, Box b) {
        return a.x1() < b.x2() + 4 && b.x1() < a.x2() + 4 && a.y1() < b.y2() + 4 && b.y1() < a.y2() + 4;
    }

    private static void mark(boolean[] m, double x1, double y1, double x2, double y2) {
        for (int y = Math.max(0, (int) y1); y < Math.min(1080, (int) Math.ceil(y2)); y++) {
            for (int x = Math.max(0, (int) x1); x < Math.min(1920, (int) Math.ceil(x2)); x++) {
                m[y * 1920 + x] = true;
            }
        }
    }

    /** Mean of the largest tenth of the differences in a box: thin defects cover few of their box's pixels. */
    private static double meanDiff(ByteBuffer luma, int stride, int[] rgb, Box b) {
        List<Double> d = new ArrayList<>();
        for (int y = (int) b.y1(); y < (int) Math.ceil(b.y2()); y++) {
            for (int x = (int) b.x1(); x < (int) Math.ceil(b.x2()); x++) {
                d.add(diff(luma, stride, rgb, x, y));
            }
        }
        d.sort(java.util.Comparator.reverseOrder());
        int k = Math.max(1, d.size() / 10);
        return d.subList(0, k).stream().mapToDouble(Double::doubleValue).average().orElse(0);
    }

    private static double diff(ByteBuffer luma, int stride, int[] rgb, int x, int y) {
        int v = rgb[y * 1920 + x];
        double l = 0.257 * ((v >> 16) & 255) + 0.504 * ((v >> 8) & 255) + 0.098 * (v & 255) + 16;
        double decoded = 16 + ((luma.get(y * stride + x) & 255) - 0) * 219.0 / 255.0;
        return Math.abs(decoded - l);
    }
}
