package com.edgeinspect.appliance.publish;

import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;

import com.edgeinspect.core.dataset.Box;
import java.util.List;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.opencv.global.opencv_imgcodecs;
import org.bytedeco.opencv.global.opencv_imgproc;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Point;
import org.bytedeco.opencv.opencv_core.Rect;
import org.bytedeco.opencv.opencv_core.Scalar;

/**
 * JPEG pictures of frames with boxes drawn: the alert snapshot (the part around the defect, so an operator sees what
 * and where at a glance) and the live view. Every native buffer is released before returning.
 */
public final class Jpeg {

    /** A box to draw with its caption. */
    public record Mark(Box box, String label) {}

    private static final int SNAPSHOT_SIDE = 384;

    private Jpeg() {}

    /**
     * Loads OpenCV's codec and drawing natives by encoding a tiny picture. Their first use takes most of a second,
     * which must not fall on the first alert: the frame path would stall while a defect is in view.
     */
    public static void load() {
        int side = 16;
        snapshot(new byte[side * side * 3], side, side, new Mark(new Box(4, 4, 8, 8), "load"), 50);
    }

    /** A crop of the frame centred on {@code mark}, at least {@value #SNAPSHOT_SIDE} px a side, with the box drawn. */
    public static byte[] snapshot(byte[] bgr, int width, int height, Mark mark, int quality) {
        Box b = mark.box();
        int side = (int) Math.max(SNAPSHOT_SIDE, 2.5 * Math.max(b.width(), b.height()));
        int cw = Math.min(side, width);
        int ch = Math.min(side, height);
        int x0 = clamp((int) (b.centerX() - cw / 2.0), width - cw);
        int y0 = clamp((int) (b.centerY() - ch / 2.0), height - ch);
        Box local = new Box(b.x1() - x0, b.y1() - y0, b.x2() - x0, b.y2() - y0);
        return encode(bgr, width, new Rect(x0, y0, cw, ch), List.of(new Mark(local, mark.label())), quality);
    }

    /** The whole frame scaled to {@code scale} with every mark drawn. */
    public static byte[] frame(byte[] bgr, int width, int height, List<Mark> marks, double scale, int quality) {
        try (PointerScope scope = new PointerScope()) {
            Mat full = wrap(bgr, width, height);
            Mat small = new Mat();
            opencv_imgproc.resize(full, small, new org.bytedeco.opencv.opencv_core.Size(
                    (int) Math.round(width * scale), (int) Math.round(height * scale)), 0, 0, opencv_imgproc.INTER_AREA);
            for (Mark m : marks) {
                Box b = m.box();
                draw(small, new Box(b.x1() * scale, b.y1() * scale, b.x2() * scale, b.y2() * scale), m.label());
            }
            return imencode(small, quality);
        }
    }

    /** Copies only the crop's rows out of the frame: the whole frame would be 6 MB copied per snapshot at 1080p. */
    private static byte[] encode(byte[] bgr, int width, Rect crop, List<Mark> marks, int quality) {
        try (PointerScope scope = new PointerScope()) {
            Mat part = new Mat(crop.height(), crop.width(), CV_8UC3);
            BytePointer pixels = part.data();
            int row = crop.width() * 3;
            for (int y = 0; y < crop.height(); y++) {
                pixels.position((long) y * row).put(bgr, ((crop.y() + y) * width + crop.x()) * 3, row);
            }
            for (Mark m : marks) {
                draw(part, m.box(), m.label());
            }
            return imencode(part, quality);
        }
    }

    private static Mat wrap(byte[] bgr, int width, int height) {
        Mat m = new Mat(height, width, CV_8UC3);
        m.data().put(bgr, 0, width * height * 3);
        return m;
    }

    private static void draw(Mat m, Box b, String label) {
        Scalar red = new Scalar(40, 40, 230, 0);
        int pad = 3;
        Point p1 = new Point((int) b.x1() - pad, (int) b.y1() - pad);
        Point p2 = new Point((int) Math.ceil(b.x2()) + pad, (int) Math.ceil(b.y2()) + pad);
        opencv_imgproc.rectangle(m, p1, p2, red, 2, opencv_imgproc.LINE_8, 0);
        if (label != null && !label.isEmpty()) {
            Point at = new Point(Math.max(0, (int) b.x1() - pad), Math.max(14, (int) b.y1() - pad - 5));
            opencv_imgproc.putText(m, label, at, opencv_imgproc.FONT_HERSHEY_SIMPLEX, 0.5, red, 1,
                    opencv_imgproc.LINE_AA, false);
        }
    }

    private static byte[] imencode(Mat m, int quality) {
        BytePointer out = new BytePointer();
        opencv_imgcodecs.imencode(".jpg", m, out, new IntPointer(opencv_imgcodecs.IMWRITE_JPEG_QUALITY, quality));
        byte[] jpeg = new byte[(int) out.limit()];
        out.get(jpeg);
        return jpeg;
    }

    private static int clamp(int v, int max) {
        return Math.max(0, Math.min(v, max));
    }
}
