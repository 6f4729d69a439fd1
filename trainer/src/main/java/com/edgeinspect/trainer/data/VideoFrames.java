package com.edgeinspect.trainer.data;

import com.edgeinspect.core.dataset.Annotation;
import com.edgeinspect.core.dataset.Dataset;
import com.edgeinspect.core.dataset.ImageEntry;
import com.edgeinspect.core.dataset.VideoAnnotations;
import com.edgeinspect.trainer.cli.Progress;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.Frame;
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
        if (every < 1) {
            throw new IllegalArgumentException("every must be >= 1, got " + every);
        }
        VideoAnnotations ann = VideoAnnotations.readBeside(video);
        Files.createDirectories(imageDir);
        String stem = ImageFiles.stem(video.getFileName().toString());
        List<ImageEntry> images = new ArrayList<>();
        int decoded = 0;
        try (FFmpegFrameGrabber grabber = new FFmpegFrameGrabber(video.toFile());
                Java2DFrameConverter converter = new Java2DFrameConverter();
                Progress progress = new Progress("frames " + video.getFileName(), ann.frames().size(), "frames")) {
            grabber.start();
            if (grabber.getImageWidth() != ann.video().width() || grabber.getImageHeight() != ann.video().height()) {
                throw new DatasetException(video, null, "video is " + grabber.getImageWidth() + "x"
                        + grabber.getImageHeight() + " but its annotations say " + ann.video().width() + "x"
                        + ann.video().height());
            }
            Frame frame;
            while ((frame = grabber.grabImage()) != null) {
                int index = decoded++;
                progress.step(1);
                if (index >= ann.frames().size()) {
                    throw new DatasetException(video, "frame " + index, "video has more frames than its annotations ("
                            + ann.frames().size() + ")");
                }
                if (index % every != 0) {
                    continue;
                }
                BufferedImage img = converter.convert(frame);
                String name = String.format(Locale.ROOT, "%s_%05d.png", stem, index);
                ImageIO.write(img, "png", imageDir.resolve(name).toFile());
                List<Annotation> labels = new ArrayList<>();
                for (VideoAnnotations.DefectBox d : ann.frames().get(index).defects()) {
                    VideoAnnotations.Defect def = ann.defect(d.id());
                    labels.add(new Annotation(def.classId(), d.box(), d.visible() < minVisible, def.track()));
                }
                images.add(new ImageEntry(name, img.getWidth(), img.getHeight(), labels));
            }
            grabber.stop();
        }
        if (decoded != ann.frames().size()) {
            throw new DatasetException(video, null, "decoded " + decoded + " frames but the annotations describe "
                    + ann.frames().size() + " (truncated video?)");
        }
        return new DatasetFormat.Loaded(new Dataset(ann.classes(), images), imageDir);
    }
}
