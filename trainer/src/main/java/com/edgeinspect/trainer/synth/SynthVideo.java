package com.edgeinspect.trainer.synth;

import com.edgeinspect.core.dataset.VideoAnnotations;
import com.edgeinspect.trainer.cli.Progress;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import org.bytedeco.ffmpeg.global.avcodec;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameRecorder;
import org.bytedeco.javacv.Frame;

/**
 * Generates an inspection clip: renders frames on one thread while FFmpeg encodes H.264 on another, then writes
 * the ground truth beside the video. Both files appear atomically (temp name, then rename), so an interrupted run
 * never leaves a clip without annotations or a half-written one.
 */
public final class SynthVideo {

    private static final int[] POISON = new int[0];
    private static final int BUFFERS = 3;

    private SynthVideo() {}

    /** Result of a run: the clip, its annotations and the rendering speed. */
    public record Result(Path video, Path annotations, VideoAnnotations labels, double framesPerSecond) {}

    public static Result generate(SynthOptions o, Path video, Map<String, Object> provenance) throws IOException {
        Path dir = video.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmpVideo = dir.resolve("." + video.getFileName() + ".part.mp4");
        Scene scene = new Scene(o, true);
        int n = o.frameCount();
        List<VideoAnnotations.FrameLabels> frames = new ArrayList<>(n);
        // Three frame buffers circulate; the full queue has room for all of them plus the end marker, so the
        // renderer can always post the marker without blocking.
        BlockingQueue<int[]> free = new ArrayBlockingQueue<>(BUFFERS);
        BlockingQueue<int[]> full = new ArrayBlockingQueue<>(BUFFERS + 1);
        for (int i = 0; i < BUFFERS; i++) {
            free.add(new int[o.width() * o.height()]);
        }
        Throwable[] renderError = new Throwable[1];
        Thread renderer = new Thread(() -> {
            try {
                for (int f = 0; f < n; f++) {
                    int[] buf = free.take();
                    frames.add(scene.render(f, buf));
                    full.put(buf);
                }
            } catch (Throwable t) {
                renderError[0] = t;
            } finally {
                if (!full.offer(POISON)) {
                    throw new IllegalStateException("end marker did not fit");
                }
            }
        }, "synth-render");
        double fps;
        try (Progress progress = new Progress("synth " + video.getFileName(), n, "frames")) {
            renderer.start();
            encode(o, tmpVideo, free, full, progress);
            fps = progress.rate();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        } finally {
            renderer.interrupt();
            try {
                renderer.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (renderError[0] != null) {
            Files.deleteIfExists(tmpVideo);
            throw new IOException("rendering failed: " + renderError[0], renderError[0]);
        }
        VideoAnnotations labels = new VideoAnnotations(VideoAnnotations.FORMAT,
                new VideoAnnotations.Video(video.getFileName().toString(), o.width(), o.height(), o.fps(), n),
                Arrays.stream(DefectClass.values()).map(DefectClass::label).toList(), provenance, scene.parts(),
                scene.defects(), frames);
        Path json = VideoAnnotations.besideVideo(video);
        Files.move(tmpVideo, video, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        labels.write(json);
        return new Result(video, json, labels, fps);
    }

    private static void encode(SynthOptions o, Path out, BlockingQueue<int[]> free, BlockingQueue<int[]> full,
            Progress progress) throws IOException, InterruptedException {
        try (FFmpegFrameRecorder rec = new FFmpegFrameRecorder(out.toFile(), o.width(), o.height(), 0)) {
            rec.setFormat("mp4");
            rec.setVideoCodec(avcodec.AV_CODEC_ID_H264);
            rec.setPixelFormat(avutil.AV_PIX_FMT_YUV420P);
            rec.setFrameRate(o.fps());
            rec.setGopSize(o.fps());
            rec.setVideoBitrate(o.bitrateKbps() * 1000);
            rec.setVideoOption("rc_mode", "bitrate");
            // The stream says how its YUV was made (swscale's BT.601, limited range): a decoder that takes untagged
            // HD for BT.709 (GStreamer's videoconvert) would otherwise show the model other colours than training.
            rec.setVideoOption("colorspace", "smpte170m");
            rec.setVideoOption("color_primaries", "smpte170m");
            rec.setVideoOption("color_trc", "smpte170m");
            rec.setVideoOption("color_range", "tv");
            rec.start();
            Frame frame = new Frame(o.width(), o.height(), Frame.DEPTH_UBYTE, 3);
            ByteBuffer bgr = (ByteBuffer) frame.image[0];
            int stride = frame.imageStride;
            byte[] row = new byte[o.width() * 3];
            while (true) {
                int[] rgb = full.take();
                if (rgb == POISON) {
                    break;
                }
                for (int y = 0; y < o.height(); y++) {
                    int base = y * o.width();
                    for (int x = 0, j = 0; x < o.width(); x++, j += 3) {
                        int v = rgb[base + x];
                        row[j] = (byte) v;
                        row[j + 1] = (byte) (v >> 8);
                        row[j + 2] = (byte) (v >> 16);
                    }
                    bgr.position(y * stride);
                    bgr.put(row);
                }
                bgr.rewind();
                free.put(rgb);
                rec.record(frame, avutil.AV_PIX_FMT_BGR24);
                progress.step(1);
            }
            rec.stop();
        } catch (FFmpegFrameRecorder.Exception e) {
            Files.deleteIfExists(out);
            throw new IOException("H.264 encoding of " + out + " failed: " + e.getMessage(), e);
        }
    }
}
