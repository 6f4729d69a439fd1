package com.edgeinspect.trainer.data;

import com.edgeinspect.core.dataset.Annotation;
import com.edgeinspect.core.dataset.VideoAnnotations;
import com.edgeinspect.core.decode.PictureConverter;
import com.edgeinspect.trainer.cli.Progress;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.ffmpeg.avutil.AVFrame;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.Frame;
import org.bytedeco.javacv.FrameGrabber;

/**
 * A clip and its ground truth, decoded frame by frame in order: the one place that pairs decoded frames with their
 * labels (frame export, training samples, evaluation). It checks that the video matches its annotations in size and
 * frame count, so a truncated or mismatched clip fails with its name instead of silently mislabelling frames.
 */
public final class AnnotatedVideo {

    /** Receives the frames kept; the frame's buffers are reused by the decoder after the call returns. */
    @FunctionalInterface
    public interface FrameVisitor<E extends Exception> {
        void accept(int index, Frame frame, VideoAnnotations.FrameLabels labels) throws IOException, E;
    }

    private final Path video;
    private final VideoAnnotations annotations;

    private AnnotatedVideo(Path video, VideoAnnotations annotations) {
        this.video = video;
        this.annotations = annotations;
    }

    /** Opens a clip whose annotations lie beside it. */
    public static AnnotatedVideo open(Path video) throws IOException {
        return new AnnotatedVideo(video, VideoAnnotations.readBeside(video));
    }

    public VideoAnnotations annotations() {
        return annotations;
    }

    /**
     * Decodes the whole clip, with a progress bar named {@code task}, and visits every {@code every}-th frame.
     *
     * @param pixelFormat {@code AV_PIX_FMT_BGR24} or {@code AV_PIX_FMT_RGB24}, converted as the appliance converts
     *     (the stream's colour matrix and range)
     */
    public <E extends Exception> void decode(int pixelFormat, int every, String task, FrameVisitor<E> visitor)
            throws IOException, E {
        if (every < 1) {
            throw new IllegalArgumentException("every must be >= 1, got " + every);
        }
        int frames = annotations.frames().size();
        int decoded = 0;
        try (FFmpegFrameGrabber grabber = new FFmpegFrameGrabber(video.toFile());
                PictureConverter converter = new PictureConverter(pixelFormat);
                Progress progress = new Progress(task + " " + video.getFileName(), frames, "frames")) {
            grabber.setImageMode(FrameGrabber.ImageMode.RAW); // converted below, in the stream's colours
            grabber.start();
            if (grabber.getImageWidth() != annotations.video().width()
                    || grabber.getImageHeight() != annotations.video().height()) {
                throw new DatasetException(video, null, "video is " + grabber.getImageWidth() + "x"
                        + grabber.getImageHeight() + " but its annotations say " + annotations.video().width() + "x"
                        + annotations.video().height());
            }
            Frame raw;
            while ((raw = grabber.grabImage()) != null) {
                int index = decoded++;
                progress.step(1);
                if (index >= frames) {
                    throw new DatasetException(video, "frame " + index, "video has more frames than its annotations ("
                            + frames + ")");
                }
                if (index % every == 0) {
                    visitor.accept(index, packed(converter.convert((AVFrame) raw.opaque)),
                            annotations.frames().get(index));
                }
            }
            grabber.stop();
        }
        if (decoded != frames) {
            throw new DatasetException(video, null, "decoded " + decoded + " frames but the annotations describe "
                    + frames + " (truncated video?)");
        }
    }

    /** A frame over the converter's packed pixels: 3 bytes a pixel, rows back to back. */
    private Frame packed(BytePointer pixels) {
        Frame f = new Frame();
        f.imageWidth = annotations.video().width();
        f.imageHeight = annotations.video().height();
        f.imageDepth = Frame.DEPTH_UBYTE;
        f.imageChannels = 3;
        f.imageStride = f.imageWidth * 3;
        f.image = new java.nio.Buffer[] {pixels.asByteBuffer()};
        return f;
    }

    /**
     * Copies the {@code width x height} region at ({@code x0}, {@code y0}) of a decoded frame in a packed 3-byte
     * pixel format into {@code into}, rows back to back (the frame's rows may be padded; the copy's are not).
     */
    public static void copyPixels(Frame frame, int x0, int y0, int width, int height, byte[] into) {
        ByteBuffer px = (ByteBuffer) frame.image[0];
        for (int y = 0; y < height; y++) {
            px.position((y0 + y) * frame.imageStride + x0 * 3);
            px.get(into, y * width * 3, width * 3);
        }
        px.rewind();
    }

    /** A frame's defects as labels; those less visible than {@code minVisible} become crowd (unscored) regions. */
    public List<Annotation> labels(VideoAnnotations.FrameLabels frame, double minVisible) {
        List<Annotation> out = new ArrayList<>();
        for (VideoAnnotations.DefectBox d : frame.defects()) {
            VideoAnnotations.Defect def = annotations.defect(d.id());
            out.add(new Annotation(def.classId(), d.box(), d.visible() < minVisible, def.track()));
        }
        return out;
    }
}
