package com.edgeinspect.trainer.gate;

import com.edgeinspect.core.detect.Region;
import com.edgeinspect.core.io.AtomicFiles;
import com.edgeinspect.trainer.model.Conv;
import com.edgeinspect.trainer.model.Detector;
import com.edgeinspect.trainer.model.Gate;
import com.edgeinspect.trainer.train.Batch;
import com.edgeinspect.trainer.train.Sample;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * The gate's threshold, set on whole frames because a frame's second graph runs on the box around all its cells that
 * reach the threshold ({@link Region}): a crop has fewer clean cells to open it. A defect counts as covered when a cell
 * within {@link Region#REACH} cells of its centre reaches the threshold, since the region then holds its centre clear
 * of the border; a clean frame exits when no cell does. The threshold is the highest that covers {@code recall} of
 * the defects. Defects too cut or faint to be taught count as neither. The appliance's own measure is event-level
 * recall on an annotated clip ({@code benchmarks/early-exit.sh}): a part is seen in many frames, so it needs only some
 * of them covered.
 *
 * @param threshold cells scoring below this are clean
 * @param recall the share of defects covered at the threshold
 * @param cleanExits the share of clean frames with no cell at or above it
 * @param defective defects (one per frame it is seen in)
 * @param clean frames without any defect
 * @param curve operating points at other recall levels ({@link #CURVE})
 */
public record GateThreshold(double threshold, double recall, double cleanExits, int defective, int clean,
        List<Point> curve) {

    /** The recall levels whose operating points calibration also reports, to choose another at bundling. */
    static final double[] CURVE = {0.8, 0.85, 0.9, 0.95, 0.98, 1.0};

    /** One operating point: defects covered, threshold, clean frames that exit. */
    public record Point(double recall, double threshold, double cleanExits) {}

    /** Where a run keeps its gate: a training run of its own inside the student's run directory. */
    public static Path dir(Path studentRun) {
        return studentRun.resolve("gate");
    }

    public static Path file(Path studentRun) {
        return dir(studentRun).resolve("threshold.json");
    }

    /** Scores every whole frame (see {@code SampleSets.wholeFrames}) and picks the threshold for {@code recall}. */
    public static GateThreshold calibrate(Detector student, Gate gate, List<Sample> frames, int classes,
            double recall, Progress progress) {
        student.eval();
        gate.eval();
        List<Float> positive = new ArrayList<>();
        List<Float> negative = new ArrayList<>();
        Random r = new Random(0);
        long reach = Region.REACH;
        for (int i = 0; i < frames.size(); i += 4) {
            try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
                Batch b = Batch.of(frames.subList(i, Math.min(frames.size(), i + 4)), classes, r, false);
                Tensor p = GateTraining.cells(student, gate, b.image());
                // The best cell within reach of every cell: a centre there is covered from that score up.
                float[] covered = Conv.floats(torch.max_pool2d(p, new long[] {2 * reach + 1, 2 * reach + 1},
                        new long[] {1, 1}, new long[] {reach, reach}, new long[] {1, 1}, false));
                float[] centres = Conv.floats(GateTraining.centres(b));
                for (int k = 0; k < centres.length; k++) {
                    if (centres[k] > 0) {
                        positive.add(covered[k]);
                    }
                }
                Tensor label = GateTraining.labels(b);
                float[] y = Conv.floats(label);
                float[] taught = Conv.floats(GateTraining.taught(b, label));
                float[] highest = Conv.floats(p.amax(new long[] {1, 2, 3}, false));
                for (int k = 0; k < highest.length; k++) {
                    if (taught[k] > 0 && y[k] == 0) {
                        negative.add(highest[k]);
                    }
                }
            }
            progress.scored(Math.min(frames.size(), i + 4) - i);
        }
        if (positive.isEmpty() || negative.isEmpty()) {
            throw new IllegalArgumentException("calibrating the gate needs defects and clean frames, got "
                    + positive.size() + " and " + negative.size());
        }
        float[] pos = sorted(positive);
        List<Point> curve = new ArrayList<>();
        for (double level : CURVE) {
            curve.add(point(pos, negative, level));
        }
        Point chosen = point(pos, negative, recall);
        return new GateThreshold(chosen.threshold(), chosen.recall(), chosen.cleanExits(), pos.length,
                negative.size(), curve);
    }

    /** The operating point for {@code recall}: the highest threshold that covers that share of the defects. */
    private static Point point(float[] positive, List<Float> negative, double recall) {
        double t = Math.max(0.01, Math.min(0.99, positive[(int) Math.floor((1 - recall) * (positive.length - 1))]));
        long passed = java.util.stream.IntStream.range(0, positive.length).filter(i -> positive[i] >= t).count();
        long exits = negative.stream().filter(p -> p < t).count();
        return new Point((double) passed / positive.length, t, (double) exits / negative.size());
    }

    /** Told how many more frames were scored. */
    public interface Progress {
        void scored(int frames);
    }

    public void write(Path studentRun) throws IOException {
        Files.createDirectories(dir(studentRun));
        AtomicFiles.write(file(studentRun), new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsBytes(this));
    }

    public static GateThreshold read(Path studentRun) throws IOException {
        Path f = file(studentRun);
        try {
            return new ObjectMapper().readValue(f.toFile(), GateThreshold.class);
        } catch (IOException e) {
            throw new IOException(f + ": not a gate threshold: " + e.getMessage(), e);
        }
    }

    private static float[] sorted(List<Float> values) {
        float[] a = new float[values.size()];
        for (int i = 0; i < a.length; i++) {
            a[i] = values.get(i);
        }
        Arrays.sort(a);
        return a;
    }
}
