package com.edgeinspect.trainer.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.edgeinspect.trainer.model.Detector;
import com.edgeinspect.trainer.model.DetectorSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.InputArchive;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Tiny real training runs on crops of a committed clip: the loss falls, and a resumed run equals an unbroken one. */
class FitLoopTest {

    static final DetectorSpec TINY = new DetectorSpec(5, new int[] {8, 8, 16, 16}, 0, 8);
    static List<Sample> samples;

    @TempDir
    Path tmp;

    @BeforeAll
    static void load() throws Exception {
        samples = SampleSets.fromVideos(List.of(Path.of("../test-videos/mixed-defects.mp4")), 30, 96, 1, 0.5, 1);
    }

    /** A fresh tiny detector, its weights drawn after seeding libtorch with {@code seed}. */
    static Detector seeded(long seed) {
        torch.manual_seed(seed);
        return new Detector(TINY);
    }

    static FitLoop.Objective hardLoss(Detector m) {
        return DetectionLoss.objective(m);
    }

    @Test
    void samplesHoldDefects() {
        assertThat(samples.size()).isGreaterThan(15);
        assertThat(samples.stream().filter(s -> s.labels().stream().anyMatch(a -> !a.crowd())).count()).isGreaterThan(5);
    }

    @Test
    void lossFallsOnRealCrops() throws Exception {
        Detector m = seeded(3);
        FitLoop loop = new FitLoop(m, new FitLoop.Settings(40, 4, 3e-3, 1e-4, 5, 7, 100), tmp.resolve("run"));
        List<Map<String, Double>> log = loop.run(samples, 5, hardLoss(m));
        double first = log.subList(0, 5).stream().mapToDouble(r -> r.get("loss")).average().orElseThrow();
        double last = log.subList(35, 40).stream().mapToDouble(r -> r.get("loss")).average().orElseThrow();
        assertThat(last).isLessThan(first * 0.7);
        assertThat(log.get(0).get("hm")).isPositive();
        assertThat(log.get(0).get("size")).isPositive();
        assertThat(log.get(0).get("off")).isPositive();
    }

    @Test
    void bf16ForwardPassesLearnAsFloatOnes() throws Exception {
        double[] last = new double[2];
        for (boolean bf16 : new boolean[] {false, true}) {
            Detector m = seeded(3);
            List<Map<String, Double>> log = new FitLoop(m, new FitLoop.Settings(40, 4, 3e-3, 1e-4, 5, 7, 100, 0, bf16),
                    tmp.resolve("run-" + bf16)).run(samples, 5, hardLoss(m));
            double first = log.subList(0, 5).stream().mapToDouble(r -> r.get("loss")).average().orElseThrow();
            last[bf16 ? 1 : 0] = log.subList(35, 40).stream().mapToDouble(r -> r.get("loss")).average().orElseThrow();
            assertThat(last[bf16 ? 1 : 0]).as("bf16 " + bf16).isLessThan(first * 0.7);
            assertThat(m.parameters().get(0).element_size()).as("float weights").isEqualTo(4);
        }
        assertThat(last[1]).isCloseTo(last[0], org.assertj.core.data.Percentage.withPercentage(20));
    }

    @Test
    void aResumedRunWritesItsLogInTheLogsColumnOrder() throws Exception {
        FitLoop.Settings full = new FitLoop.Settings(8, 2, 1e-3, 1e-4, 3, 9, 4);
        Detector a = seeded(5);
        Path run = tmp.resolve("run");
        new FitLoop(a, full, run).run(samples, 5, hardLoss(a), 4);
        // The columns as another process may have ordered them (the terms come as an unordered map).
        Path csv = run.resolve("log.csv");
        List<String> lines = Files.readAllLines(csv);
        List<String> names = List.of(lines.get(0).split(","));
        List<String> order = new ArrayList<>(names);
        java.util.Collections.reverse(order);
        List<String> reordered = new ArrayList<>(List.of(String.join(",", order)));
        for (String line : lines.subList(1, lines.size())) {
            List<String> v = new ArrayList<>(List.of(line.split(",")));
            java.util.Collections.reverse(v);
            reordered.add(String.join(",", v));
        }
        Files.write(csv, reordered);
        Detector b = seeded(99);
        new FitLoop(b, full, run).run(samples, 5, hardLoss(b));

        lines = Files.readAllLines(csv);
        assertThat(lines).hasSize(9);
        List<String> header = List.of(lines.get(0).split(","));
        for (String line : lines.subList(1, lines.size())) {
            String[] v = line.split(",");
            java.util.function.ToDoubleFunction<String> col = c -> Double.parseDouble(v[header.indexOf(c)]);
            assertThat(col.applyAsDouble("loss")).as(line).isCloseTo(col.applyAsDouble("hm") + col.applyAsDouble("size")
                    + col.applyAsDouble("off"), org.assertj.core.data.Offset.offset(1e-3));
        }
        assertThat(lines.stream().skip(1).map(l -> l.split(",")[header.indexOf("step")]))
                .containsExactly("0.00000", "1.00000", "2.00000", "3.00000", "4.00000", "5.00000", "6.00000", "7.00000");
    }

    @Test
    void resumedRunEqualsUnbrokenRun() throws Exception {
        FitLoop.Settings full = new FitLoop.Settings(12, 2, 1e-3, 1e-4, 3, 9, 6);
        Detector a = seeded(5);
        new FitLoop(a, full, tmp.resolve("a")).run(samples, 5, hardLoss(a));

        Detector b = seeded(5);
        new FitLoop(b, full, tmp.resolve("b")).run(samples, 5, hardLoss(b), 5);
        // "Crash" after step 5, then a new process with the full plan resumes from the checkpoint.
        Detector c = seeded(99);
        new FitLoop(c, full, tmp.resolve("b")).run(samples, 5, hardLoss(c));

        TensorVector pa = a.parameters();
        TensorVector pc = c.parameters();
        double max = 0;
        for (long i = 0; i < pa.size(); i++) {
            max = Math.max(max, pa.get(i).sub(pc.get(i)).abs().max().item_float());
        }
        assertThat(max).isLessThan(1e-6);
    }

    @Test
    void aCrashBetweenTheCheckpointRenamesResumesExactly() throws Exception {
        FitLoop.Settings full = new FitLoop.Settings(12, 2, 1e-3, 1e-4, 3, 9, 100);
        Detector a = seeded(5);
        new FitLoop(a, full, tmp.resolve("a")).run(samples, 5, hardLoss(a));

        // The step-5 checkpoint as a crash leaves it: its weights renamed over step 3's, its optimiser still under
        // the temp name, the step file still at 3; decided, since every file of it was written.
        Path crashed = tmp.resolve("crashed");
        Path later = tmp.resolve("later");
        Detector b = seeded(5);
        new FitLoop(b, full, crashed).run(samples, 5, hardLoss(b), 3);
        Detector c = seeded(5);
        new FitLoop(c, full, later).run(samples, 5, hardLoss(c), 5);
        Files.copy(later.resolve("model.pt"), crashed.resolve("model.pt"), StandardCopyOption.REPLACE_EXISTING);
        Files.copy(later.resolve("optimizer.pt"), crashed.resolve(".optimizer.pt.tmp"));
        Files.writeString(crashed.resolve("checkpoint.next"), "5\n");
        assertThat(Files.readString(crashed.resolve("checkpoint.txt")).trim()).isEqualTo("3");

        Detector resumed = seeded(99);
        new FitLoop(resumed, full, crashed).run(samples, 5, hardLoss(resumed));
        assertThat(maxDiff(weights(resumed), weights(a))).isLessThan(1e-6);
        assertThat(crashed.resolve("checkpoint.next")).doesNotExist();
        assertThat(crashed.resolve(".optimizer.pt.tmp")).doesNotExist();

        // A crash before the checkpoint was decided: its temp files are dropped, the one before it resumes.
        Path undecided = tmp.resolve("undecided");
        Detector d = seeded(5);
        new FitLoop(d, full, undecided).run(samples, 5, hardLoss(d), 3);
        Files.copy(later.resolve("model.pt"), undecided.resolve(".model.pt.tmp"));
        Detector resumed2 = seeded(99);
        new FitLoop(resumed2, full, undecided).run(samples, 5, hardLoss(resumed2));
        assertThat(maxDiff(weights(resumed2), weights(a))).isLessThan(1e-6);
        assertThat(undecided.resolve(".model.pt.tmp")).doesNotExist();

        // A run's first checkpoint, decided and not yet renamed, is one to resume from (quantize then keeps its
        // checkpointed scales instead of calibrating anew).
        Path first = tmp.resolve("first");
        Files.createDirectories(first);
        assertThat(FitLoop.hasCheckpoint(first)).isFalse();
        Files.writeString(first.resolve("checkpoint.next"), "200\n");
        assertThat(FitLoop.hasCheckpoint(first)).isTrue();
    }

    /** The floating-point parameters and buffers of a model, copied. */
    static List<Tensor> weights(Detector m) {
        List<Tensor> out = new ArrayList<>();
        for (TensorVector v : List.of(m.parameters(), m.buffers())) {
            for (long i = 0; i < v.size(); i++) {
                if (v.get(i).is_floating_point()) {
                    out.add(v.get(i).detach().clone());
                }
            }
        }
        return out;
    }

    static double maxDiff(List<Tensor> a, List<Tensor> b) {
        double max = 0;
        for (int i = 0; i < a.size(); i++) {
            max = Math.max(max, a.get(i).sub(b.get(i)).abs().max().item_double());
        }
        return max;
    }

    @Test
    void theRunDeliversTheAverageOfItsWeightsAndResumesItExactly() throws Exception {
        int steps = 12;
        double decay = 0.9;
        FitLoop.Settings plain = new FitLoop.Settings(steps, 2, 1e-3, 1e-4, 3, 9, 100);
        FitLoop.Settings averaged = new FitLoop.Settings(steps, 2, 1e-3, 1e-4, 3, 9, 6, decay);
        // The weights after each step of the plain run (each call resumes it and trains one step more), averaged by
        // hand: a += (1 - d) (w - a), d = decay (1 - exp(-(step + 1) / ramp)), the ramp a tenth of the run.
        Detector a = seeded(5);
        List<Tensor> expected = weights(a);
        for (int step = 0; step < steps; step++) {
            new FitLoop(a, plain, tmp.resolve("plain")).run(samples, 5, hardLoss(a), step + 1);
            double d = decay * (1 - Math.exp(-(step + 1) / (steps / 10.0)));
            List<Tensor> w = weights(a);
            for (int i = 0; i < w.size(); i++) {
                expected.get(i).lerp_(w.get(i), new Scalar(1 - d));
            }
        }
        Detector b = seeded(5);
        FitLoop.Objective collecting = (batch, step) -> {
            System.gc(); // frees whatever native memory the average would wrongly point into
            return hardLoss(b).compute(batch, step);
        };
        new FitLoop(b, averaged, tmp.resolve("b")).run(samples, 5, collecting);
        assertThat(maxDiff(weights(b), expected)).isLessThan(1e-6);
        assertThat(maxDiff(weights(b), weights(a))).as("the average is not the last weights").isGreaterThan(1e-4);
        Detector delivered = Checkpoints.load(runOf(tmp.resolve("b"), averaged));
        assertThat(maxDiff(weights(delivered), expected)).isLessThan(1e-6);

        // Stopped after step 5 and resumed by a new process: the same average, and the same weights trained on.
        Detector c = seeded(5);
        new FitLoop(c, averaged, tmp.resolve("c")).run(samples, 5, hardLoss(c), 5);
        Detector resumed = seeded(99);
        new FitLoop(resumed, averaged, tmp.resolve("c")).run(samples, 5, hardLoss(resumed));
        assertThat(maxDiff(weights(resumed), expected)).isLessThan(1e-6);
        Detector live = seeded(1);
        InputArchive archive = new InputArchive();
        archive.load_from(tmp.resolve("c/live.pt").toString());
        live.load(archive);
        assertThat(maxDiff(weights(live), weights(a))).isLessThan(1e-6);

        Detector unaveraged = seeded(5);
        assertThatThrownBy(() -> new FitLoop(unaveraged, plain, tmp.resolve("c")).run(samples, 5,
                hardLoss(unaveraged)))
                .isInstanceOf(java.io.IOException.class).hasMessageContaining("with a weight average");
    }

    /** Gives a bare training directory the config.json that {@link Checkpoints#load} reads. */
    private static Path runOf(Path dir, FitLoop.Settings settings) throws Exception {
        new RunConfig("train-teacher", List.of("a", "b", "c", "d", "e"), TINY, settings, List.of(), 96, null)
                .write(dir);
        return dir;
    }

    @Test
    void aNonFiniteLossStopsTheRunWithItsLastCheckpointIntact() throws Exception {
        Detector m = seeded(3);
        FitLoop.Objective hard = hardLoss(m);
        FitLoop.Objective diverging = (batch, step) -> {
            FitLoop.Losses l = hard.compute(batch, step);
            return step < 5 ? l : new FitLoop.Losses(l.total().mul(new Scalar(Double.NaN)), l.terms());
        };
        Path run = tmp.resolve("run");
        FitLoop loop = new FitLoop(m, new FitLoop.Settings(10, 2, 1e-3, 1e-4, 2, 7, 4), run);
        assertThatThrownBy(() -> loop.run(samples, 5, diverging)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("step 5").hasMessageContaining("NaN").hasMessageContaining("the same 5 times")
                .hasMessageContaining("DNNL_MAX_CPU_ISA");
        assertThat(Files.readString(run.resolve("checkpoint.txt")).trim()).isEqualTo("4");
        TensorVector p = m.parameters();
        for (long i = 0; i < p.size(); i++) {
            assertThat(torch.isfinite(p.get(i)).all().item_bool()).as("parameter %d untouched by the NaN", i).isTrue();
        }
    }

    @Test
    void aStepComputedNonFiniteOnceIsComputedAgainAndTheRunEqualsAnUndisturbedOne() throws Exception {
        FitLoop.Settings settings = new FitLoop.Settings(8, 2, 1e-3, 1e-4, 2, 7, 100);
        Detector clean = seeded(3);
        new FitLoop(clean, settings, tmp.resolve("clean")).run(samples, 5, hardLoss(clean));

        Detector m = seeded(3);
        FitLoop.Objective hard = hardLoss(m);
        int[] calls = new int[2];
        FitLoop.Objective faulty = (batch, step) -> {
            FitLoop.Losses l = hard.compute(batch, step);
            if (step == 3 && calls[0]++ == 0) {
                // sqrt at 0: the loss stays finite, every gradient through it is NaN (what this CPU did now and then)
                return new FitLoop.Losses(l.total().add(torch.sqrt(m.parameters().get(0).sum().mul(new Scalar(0)))),
                        l.terms());
            }
            if (step == 5 && calls[1]++ == 0) {
                // a NaN forward: the loss and BatchNorm's running statistics turn NaN
                Batch poisoned = new Batch(batch.image().mul(new Scalar(Double.NaN)), batch.heatmap(), batch.size(),
                        batch.offset(), batch.centreMask(), batch.weight());
                return hard.compute(poisoned, step);
            }
            return l;
        };
        new FitLoop(m, settings, tmp.resolve("faulty")).run(samples, 5, faulty);

        assertThat(calls).containsExactly(2, 2);
        for (boolean buffers : new boolean[] {false, true}) {
            TensorVector a = buffers ? clean.buffers() : clean.parameters();
            TensorVector b = buffers ? m.buffers() : m.parameters();
            for (long i = 0; i < a.size(); i++) {
                assertThat(a.get(i).equal(b.get(i))).as("%s %d as in the undisturbed run",
                        buffers ? "buffer" : "parameter", i).isTrue();
            }
        }
    }
}
