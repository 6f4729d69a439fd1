package com.edgeinspect.appliance.source;

import com.edgeinspect.appliance.config.ApplianceConfig;
import com.edgeinspect.core.decode.PictureConverter;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.bytedeco.javacpp.BytePointer;
import org.freedesktop.gstreamer.Buffer;
import org.freedesktop.gstreamer.Bus;
import org.freedesktop.gstreamer.FlowReturn;
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
 * <p>Frames are handed on from the sink's callback on GStreamer's streaming thread (which the pacing of a file also
 * holds back). The decode thread only waits for the pipeline's end: end of stream or an error from the bus, or its
 * own interruption when the source closes. It then stops and disposes the pipeline itself, so no other thread ever
 * touches a pipeline that may already be freed, and a source that never starts or never ends cannot block a stop.
 * A pipeline that delivers no frame for {@link #STALL_SECONDS} without saying why (seen with a truncated file under
 * load) counts as failed, so the stream reconnects with its error visible instead of hanging in "connecting".
 */
public final class GstSource extends FrameSource {

    private static final int STALL_SECONDS = 15;

    public GstSource(ApplianceConfig.Stream config) {
        super(config);
        init();
    }

    private static synchronized void init() {
        if (!Gst.isInitialized()) {
            Gst.init(Version.of(1, 16), "edgeinspect");
        }
    }

    /**
     * The pipeline in gst-launch syntax: source, demux/depayload and parse, decode, I420 in system memory
     * ({@code nvvidconv} copies it out of GPU memory; {@code videoconvert} passes I420 through and brings any other
     * layout to it), our sink, which converts to BGR as the FFmpeg source does.
     */
    String description() {
        String url = config.url();
        String in = url.startsWith("rtsp://")
                ? "rtspsrc location=" + quoted(url) + " protocols=tcp latency=100 tcp-timeout=5000000 ! rtph264depay ! h264parse"
                : "filesrc location=" + quoted(url) + " ! parsebin";
        String decode = config.decoder().equals("nvv4l2decoder") ? "nvv4l2decoder ! nvvidconv"
                : config.decoder() + " ! videoconvert";
        return in + " ! " + decode + " ! video/x-raw,format=I420 ! appsink name=sink sync=false max-buffers=2";
    }

    private static String quoted(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    @Override
    protected boolean decode() throws Exception {
        CompletableFuture<String> end = new CompletableFuture<>(); // "" at end of stream, else the error
        Pipeline p = (Pipeline) Gst.parseLaunch(description());
        I420Picture picture = new I420Picture();
        PictureConverter bgr = new PictureConverter();
        try {
            AppSink sink = (AppSink) p.getElementByName("sink");
            sink.set("emit-signals", true);
            boolean[] first = {true};
            AtomicLong idleSince = new AtomicLong(System.nanoTime()); // the streaming thread decodes between callbacks
            sink.connect((AppSink.NEW_SAMPLE) s -> {
                try {
                    deliver(s.pullSample(), first, System.nanoTime() - idleSince.get(), picture, bgr);
                    idleSince.set(System.nanoTime());
                    return FlowReturn.OK;
                } catch (Exception e) { // never let an exception unwind into native code
                    end.complete(e.toString());
                    return FlowReturn.ERROR;
                }
            });
            p.getBus().connect((Bus.EOS) source -> end.complete(""));
            p.getBus().connect((Bus.ERROR) (source, code, message) -> end.complete(source.getName() + ": " + message));
            p.play();
            String error = awaitEnd(end, idleSince); // interrupted when the source closes
            if (!error.isEmpty()) {
                throw new IOException(config.url() + ": " + error);
            }
            return running();
        } finally {
            p.stop();
            p.dispose();
            bgr.close(); // the streaming thread is gone with the pipeline
            picture.close();
        }
    }

    /** The pipeline's end ("" or the error), or a stall: no frame for {@link #STALL_SECONDS}. */
    private static String awaitEnd(CompletableFuture<String> end, AtomicLong lastFrame) throws Exception {
        while (true) {
            try {
                return end.get(1, TimeUnit.SECONDS);
            } catch (TimeoutException e) {
                if (System.nanoTime() - lastFrame.get() > TimeUnit.SECONDS.toNanos(STALL_SECONDS)) {
                    return "no frame for " + STALL_SECONDS + " s";
                }
            }
        }
    }

    private void deliver(Sample sample, boolean[] first, long decodeNanos, I420Picture picture, PictureConverter bgr)
            throws InterruptedException {
        try {
            Structure caps = sample.getCaps().getStructure(0);
            int w = caps.getInteger("width");
            int h = caps.getInteger("height");
            if (first[0]) {
                opened(w, h, caps.hasField("framerate") ? caps.getFraction("framerate").toDouble() : 0);
                first[0] = false;
            }
            Buffer b = sample.getBuffer();
            ByteBuffer yuv = b.map(false);
            try {
                BytePointer pixels = bgr.convert(picture.of(yuv, w, h,
                        caps.hasField("colorimetry") ? caps.getString("colorimetry") : null));
                deliver(w, h, decodeNanos, pixels);
            } finally {
                b.unmap();
            }
        } finally {
            sample.dispose();
        }
    }
}
