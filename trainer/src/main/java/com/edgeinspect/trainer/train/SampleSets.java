package com.edgeinspect.trainer.train;

import com.edgeinspect.core.dataset.Annotation;
import com.edgeinspect.core.dataset.Box;
import com.edgeinspect.core.dataset.ImageEntry;
import com.edgeinspect.core.dataset.VideoAnnotations;
import com.edgeinspect.core.detect.DetectorOutputs;
import com.edgeinspect.trainer.data.AnnotatedVideo;
import com.edgeinspect.trainer.data.DatasetFormat;
import com.edgeinspect.trainer.data.ImageFiles;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.Frame;

/**
 * Where training samples come from: crops of annotated video frames (full-resolution, so small defects keep their
 * pixels), or the images of a still dataset padded to the grid.
 */
public final class SampleSets {

    /** A defect cut by a crop keeps its label only if this much of its box is inside; otherwise it is ignored. */
    private static final double KEEP_INSIDE = 0.6;

    private SampleSets() {}

    /**
     * Crops from every {@code every}-th frame of annotated clips: one crop around each visible defect (placed at a
     * random offset) plus {@code background} random crops per frame, so the model sees parts and belt without
     * defects as often as it sees defects.
     *
     * @param minVisible defects less visible than this are ignored by the loss rather than taught either way
     */
    public static List<Sample> fromVideos(List<Path> videos, int every, int crop, int background, double minVisible,
            long seed) throws IOException {
        if (crop % DetectorOutputs.ALIGN != 0) {
            throw new IllegalArgumentException("crop " + crop + " is not a multiple of " + DetectorOutputs.ALIGN);
        }
        Random r = new Random(seed);
        List<Sample> out = new ArrayList<>();
        for (Path video : videos) {
            AnnotatedVideo clip = AnnotatedVideo.open(video);
            clip.decode(avutil.AV_PIX_FMT_RGB24, every, "samples",
                    (index, f, labels) -> crops(f, clip.annotations(), labels, crop, background, minVisible, r, out));
        }
        return out;
    }

    private static void crops(Frame f, VideoAnnotations ann, VideoAnnotations.FrameLabels labels, int crop,
            int background, double minVisible, Random r, List<Sample> out) {
        int fw = f.imageWidth;
        int fh = f.imageHeight;
        List<int[]> origins = new ArrayList<>();
        for (VideoAnnotations.DefectBox d : labels.defects()) {
            if (d.visible() >= minVisible && d.box().width() < crop && d.box().height() < crop) {
                int x = (int) (d.box().x1() - r.nextInt(Math.max(1, crop - (int) Math.ceil(d.box().width()))));
                int y = (int) (d.box().y1() - r.nextInt(Math.max(1, crop - (int) Math.ceil(d.box().height()))));
                origins.add(new int[] {clamp(x, fw - crop), clamp(y, fh - crop)});
            }
        }
        for (int i = 0; i < background; i++) {
            origins.add(new int[] {r.nextInt(fw - crop + 1), r.nextInt(fh - crop + 1)});
        }
        for (int[] o : origins) {
            byte[] rgb = new byte[crop * crop * 3];
            AnnotatedVideo.copyPixels(f, o[0], o[1], crop, crop, rgb);
            List<Annotation> inside = new ArrayList<>();
            for (VideoAnnotations.DefectBox d : labels.defects()) {
                Box moved = new Box(d.box().x1() - o[0], d.box().y1() - o[1], d.box().x2() - o[0], d.box().y2() - o[1]);
                Box clipped = moved.clip(crop, crop);
                if (clipped == null) {
                    continue;
                }
                boolean keep = d.visible() >= minVisible && clipped.area() >= KEEP_INSIDE * moved.area();
                VideoAnnotations.Defect def = ann.defect(d.id());
                inside.add(new Annotation(def.classId(), clipped, !keep, def.track()));
            }
            out.add(new Sample(rgb, crop, crop, inside));
        }
    }

    /**
     * Every {@code every}-th frame of annotated clips, whole and padded with mid-grey to the grid as the appliance
     * feeds it: for measuring what only whole frames show (an early-exit gate takes the maximum over the frame).
     */
    public static List<Sample> wholeFrames(List<Path> videos, int every, double minVisible) throws IOException {
        List<Sample> out = new ArrayList<>();
        for (Path video : videos) {
            AnnotatedVideo clip = AnnotatedVideo.open(video);
            clip.decode(avutil.AV_PIX_FMT_RGB24, every, "frames", (index, f, labels) -> {
                int w = align(f.imageWidth);
                int h = align(f.imageHeight);
                byte[] frame = new byte[f.imageWidth * f.imageHeight * 3];
                AnnotatedVideo.copyPixels(f, 0, 0, f.imageWidth, f.imageHeight, frame);
                byte[] rgb = new byte[w * h * 3];
                java.util.Arrays.fill(rgb, (byte) 128);
                for (int y = 0; y < f.imageHeight; y++) {
                    System.arraycopy(frame, y * f.imageWidth * 3, rgb, y * w * 3, f.imageWidth * 3);
                }
                List<Annotation> all = new ArrayList<>();
                for (VideoAnnotations.DefectBox d : labels.defects()) {
                    VideoAnnotations.Defect def = clip.annotations().defect(d.id());
                    all.add(new Annotation(def.classId(), d.box(), d.visible() < minVisible, def.track()));
                }
                out.add(new Sample(rgb, w, h, all));
            });
        }
        return out;
    }

    /**
     * The images of a still dataset, each padded with mid-grey at its right and bottom to the largest image's size on
     * the grid, so that images of any size share a batch (never scaled: scaling moves boxes).
     */
    public static List<Sample> fromDataset(DatasetFormat.Loaded data) throws IOException {
        int w = align(data.dataset().images().stream().mapToInt(ImageEntry::width).max().orElse(0));
        int h = align(data.dataset().images().stream().mapToInt(ImageEntry::height).max().orElse(0));
        List<Sample> out = new ArrayList<>();
        for (ImageEntry e : data.dataset().images()) {
            Path file = data.imageRoot().resolve(e.file());
            BufferedImage img = ImageFiles.read(file);
            if (img.getWidth() != e.width() || img.getHeight() != e.height()) {
                throw new IOException(file + ": is " + img.getWidth() + "x" + img.getHeight() + ", its labels say "
                        + e.width() + "x" + e.height());
            }
            byte[] rgb = new byte[w * h * 3];
            java.util.Arrays.fill(rgb, (byte) 128);
            ImageFiles.pack(img, rgb, w, false);
            out.add(new Sample(rgb, w, h, e.annotations()));
        }
        return out;
    }

    static int align(int v) {
        return (v + DetectorOutputs.ALIGN - 1) / DetectorOutputs.ALIGN * DetectorOutputs.ALIGN;
    }

    private static int clamp(int v, int max) {
        return Math.max(0, Math.min(max, v));
    }
}
