package com.edgeinspect.trainer.gate;

import com.edgeinspect.core.io.AtomicFiles;
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
 * The gate's threshold: the highest score that still lets {@code recall} of the defective crops through to the
 * second graph, and what share of clean crops it then stops. On whole frames the gate sees more cells than on a crop,
 * so clean frames score somewhat higher and exit somewhat less often; defective ones keep their score. The appliance's
 * own measure is event-level recall on an annotated clip ({@code benchmarks/early-exit.sh}).
 *
 * @param threshold frames scoring below this exit early
 * @param recall the share of defective crops at or above the threshold
 * @param cleanExits the share of clean crops below it
 * @param defective crops with a defect
 * @param clean crops without
 */
public record GateThreshold(double threshold, double recall, double cleanExits, int defective, int clean) {

    /** Where a run keeps its gate: a training run of its own inside the student's run directory. */
    public static Path dir(Path studentRun) {
        return studentRun.resolve("gate");
    }

    public static Path file(Path studentRun) {
        return dir(studentRun).resolve("threshold.json");
    }

    /** Scores every sample (no augmentation) and picks the threshold for {@code recall}. */
    public static GateThreshold calibrate(Detector student, Gate gate, List<Sample> samples, int classes,
            double recall) {
        student.eval();
        gate.eval();
        List<Float> positive = new ArrayList<>();
        List<Float> negative = new ArrayList<>();
        Random r = new Random(0);
        for (int i = 0; i < samples.size(); i += 16) {
            try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
                Batch b = Batch.of(samples.subList(i, Math.min(samples.size(), i + 16)), classes, r, false);
                float[] p = floats(torch.sigmoid(GateTraining.logits(student, gate, b.image())));
                float[] y = floats(GateTraining.labels(b));
                for (int k = 0; k < p.length; k++) {
                    (y[k] > 0 ? positive : negative).add(p[k]);
                }
            }
        }
        if (positive.isEmpty() || negative.isEmpty()) {
            throw new IllegalArgumentException("calibrating the gate needs crops with and without defects, got "
                    + positive.size() + " and " + negative.size());
        }
        float[] pos = sorted(positive);
        double t = Math.max(0.01, Math.min(0.99, pos[(int) Math.floor((1 - recall) * pos.length)]));
        long passed = positive.stream().filter(p -> p >= t).count();
        long exits = negative.stream().filter(p -> p < t).count();
        return new GateThreshold(t, (double) passed / pos.length, (double) exits / negative.size(), pos.length,
                negative.size());
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

    private static float[] floats(Tensor t) {
        return com.edgeinspect.trainer.model.Conv.floats(t);
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
