package com.edgeinspect.trainer.data;

import com.edgeinspect.core.dataset.Dataset;
import com.edgeinspect.core.dataset.ImageEntry;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.Java2DFrameConverter;

/**
 * Turns an annotated video into a still-image dataset: decodes every n-th frame, writes it as a PNG (lossless, so
 * the only compression is the video's own) and labels it with the defects at least {@code minVisible} visible.
 */
public final class VideoFrames {

    private VideoFrames() {}

    /**
     * @param video the clip; its annotations are read from beside it
     * @param every keep one frame in this many
     * @param minVisible least visible fraction of a defect to label it; less visible ones become crowd regions
     *     (not scored, not penalised) rather than false background
     * @param imageDir where the frames are written
     */
    public static DatasetFormat.Loaded extract(Path video, int every, double minVisible, Path imageDir)
            throws IOException {
        AnnotatedVideo clip = AnnotatedVideo.open(video);
        Files.createDirectories(imageDir);
        String stem = ImageFiles.stem(video.getFileName().toString());
        List<ImageEntry> images = new ArrayList<>();
        try (Java2DFrameConverter converter = new Java2DFrameConverter()) {
            clip.decode(avutil.AV_PIX_FMT_BGR24, every, "frames", (index, frame, labels) -> {
                BufferedImage img = converter.convert(frame);
                String name = String.format(Locale.ROOT, "%s_%05d.png", stem, index);
                ImageIO.write(img, "png", imageDir.resolve(name).toFile());
                images.add(new ImageEntry(name, img.getWidth(), img.getHeight(), clip.labels(labels, minVisible)));
            });
        }
        return new DatasetFormat.Loaded(new Dataset(clip.annotations().classes(), images), imageDir);
    }
}
