package com.edgeinspect.appliance.install;

import com.edgeinspect.appliance.model.LoadedModel;
import com.edgeinspect.core.detect.CenterNetDecoder;
import com.edgeinspect.core.detect.Detection;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A candidate model on probation before it serves: stream workers hand it a copy of every {@code every}-th live frame
 * with what the serving model found there; it runs the candidate on its own thread (a busy shadow skips frames, the
 * line never waits) and scores how well the two agree. Agreement per frame is the F1 of matching detections (same
 * class, IoU at least 0.5), 1 when both find nothing; the report averages it over the frames.
 */
public final class Shadow {

    /** What the candidate did beside the serving model. */
    public record Report(int frames, double agreement, int failures, double slowestMs) {}

    private final LoadedModel candidate;
    private final int every;
    private final CenterNetDecoder decoder;
    private final ExecutorService thread = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "model-shadow");
        t.setDaemon(true);
        return t;
    });
    private final AtomicBoolean busy = new AtomicBoolean();
    private final CountDownLatch done;
    private double agreementSum;
    private int scored;
    private int failures;
    private double slowestMs;

    Shadow(LoadedModel candidate, int frames, int every) {
        this.candidate = candidate;
        this.every = every;
        this.done = new CountDownLatch(frames);
        this.decoder = new CenterNetDecoder((float) candidate.bundle().manifest().thresholds().detection(), 100);
    }

    /** True when this frame should be shadowed and the shadow is free (the caller then copies the frame). */
    public boolean wants(long sequence) {
        return sequence % every == 0 && done.getCount() > 0 && !busy.get();
    }

    /** Runs the candidate on a private copy of a frame region and compares with the serving model's detections. */
    public void offer(byte[] bgrCopy, int frameWidth, int x0, int y0, int w, int h, List<Detection> serving) {
        if (!busy.compareAndSet(false, true)) {
            return;
        }
        thread.execute(() -> {
            long t0 = System.nanoTime();
            try {
                List<Detection> found = candidate.detector().detect(bgrCopy, frameWidth, x0, y0, w, h, decoder)
                        .detections();
                record(agreement(serving, found), (System.nanoTime() - t0) / 1e6, false);
            } catch (Exception e) {
                record(0, (System.nanoTime() - t0) / 1e6, true);
            } finally {
                busy.set(false);
            }
        });
    }

    private synchronized void record(double agreement, double ms, boolean failed) {
        agreementSum += agreement;
        scored++;
        failures += failed ? 1 : 0;
        slowestMs = Math.max(slowestMs, ms);
        done.countDown();
    }

    /** Waits for the frames (or the timeout) and reports; the candidate stays open for the caller. */
    Report await(long timeoutSeconds) throws InterruptedException {
        done.await(timeoutSeconds, TimeUnit.SECONDS);
        thread.shutdown();
        thread.awaitTermination(30, TimeUnit.SECONDS);
        synchronized (this) {
            return new Report(scored, scored == 0 ? 0 : agreementSum / scored, failures, slowestMs);
        }
    }

    static double agreement(List<Detection> a, List<Detection> b) {
        if (a.isEmpty() && b.isEmpty()) {
            return 1;
        }
        List<Detection> left = new ArrayList<>(b);
        int matched = 0;
        for (Detection d : a) {
            Detection best = null;
            double bestIou = 0.5;
            for (Detection e : left) {
                double iou = d.box().iou(e.box());
                if (e.classId() == d.classId() && iou >= bestIou) {
                    best = e;
                    bestIou = iou;
                }
            }
            if (best != null) {
                left.remove(best);
                matched++;
            }
        }
        return 2.0 * matched / (a.size() + b.size());
    }
}
