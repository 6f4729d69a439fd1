package com.edgeinspect.appliance.source;

import com.edgeinspect.appliance.config.ApplianceConfig;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicReference;
import org.freedesktop.gstreamer.Buffer;
import org.freedesktop.gstreamer.Bus;
import org.freedesktop.gstreamer.Gst;
import org.freedesktop.gstreamer.Pipeline;
import org.freedesktop.gstreamer.Sample;
import org.freedesktop.gstreamer.Structure;
import org.freedesktop.gstreamer.Version;
import org.freedesktop.gstreamer.elements.AppSink;

/**
 * Decoding by GStreamer (gst1-java-core), for the Jetson's hardware decoder: {@code nvv4l2decoder} there, whose
 * frames {@code nvvidconv} copies out of GPU memory; {@code avdec_h264} (software) anywhere else, which is how this
 * source is tested on x86. Files (any container {@code parsebin} knows) and RTSP cameras (TCP, 5 s timeout).
 *
 * <p>A pipeline error arrives on the bus on a streaming thread; the pipeline is stopped from GStreamer's own
 * executor (never from the streaming thread), which ends the blocked pull, and the error is thrown from
 * {@link #decode()} so the common reconnect logic takes over.
 */
public final class GstSource extends FrameSource {

    private volatile Pipeline current;

    public GstSource(ApplianceConfig.Stream config) {
        super(config);
        init();
    }

    private static synchronized void init() {
        if (!Gst.isInitialized()) {
            Gst.init(Version.of(1, 16), "edgeinspect");
        }
    }

    /** The pipeline in gst-launch syntax: source, demux/depayload and parse, decode, BGR, our sink. */
    String description() {
        String url = config.url();
        String in = url.startsWith("rtsp://")
                ? "rtspsrc location=" + quoted(url) + " protocols=tcp latency=100 tcp-timeout=5000000 ! rtph264depay ! h264parse"
                : "filesrc location=" + quoted(url) + " ! parsebin";
        String decode = config.decoder().equals("nvv4l2decoder")
                ? "nvv4l2decoder ! nvvidconv ! video/x-raw,format=BGRx ! videoconvert"
                : config.decoder() + " ! videoconvert";
        return in + " ! " + decode + " ! video/x-raw,format=BGR ! appsink name=sink sync=false max-buffers=2";
    }

    private static String quoted(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    @Override
    protected boolean decode() throws Exception {
        AtomicReference<String> error = new AtomicReference<>();
        Pipeline p = (Pipeline) Gst.parseLaunch(description());
        current = p;
        try {
            AppSink sink = (AppSink) p.getElementByName("sink");
            p.getBus().connect((Bus.ERROR) (source, code, message) -> {
                error.compareAndSet(null, source.getName() + ": " + message);
                Gst.invokeLater(p::stop);
            });
            p.play();
            boolean first = true;
            while (running()) {
                long t0 = System.nanoTime();
                Sample s = sink.pullSample();
                if (s == null) {
                    break; // end of stream, or stopped
                }
                try {
                    Structure caps = s.getCaps().getStructure(0);
                    int w = caps.getInteger("width");
                    int h = caps.getInteger("height");
                    if (first) {
                        opened(w, h, caps.hasField("framerate") ? caps.getFraction("framerate").toDouble() : 0);
                        first = false;
                    }
                    Buffer b = s.getBuffer();
                    ByteBuffer pixels = b.map(false);
                    try {
                        deliver(w, h, System.nanoTime() - t0, into -> copyRows(pixels, w, h, into));
                    } finally {
                        b.unmap();
                    }
                } finally {
                    s.dispose();
                }
            }
            if (error.get() != null) {
                throw new IOException(config.url() + ": " + error.get());
            }
            if (running() && !sink.isEOS()) {
                throw new IOException(config.url() + ": the pipeline stopped without an error or end of stream");
            }
            return running();
        } finally {
            current = null;
            p.stop();
            p.dispose();
        }
    }

    /** GStreamer pads each packed BGR row to a multiple of 4 bytes. */
    private static void copyRows(ByteBuffer src, int width, int height, byte[] into) {
        int row = width * 3;
        int stride = (row + 3) & ~3;
        for (int y = 0; y < height; y++) {
            src.position(y * stride);
            src.get(into, y * row, row);
        }
    }

    @Override
    protected void interruptDecode() {
        Pipeline p = current;
        if (p != null) {
            Gst.invokeLater(p::stop);
        }
    }
}
