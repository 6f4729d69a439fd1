package com.edgeinspect.trainer.distill;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.edgeinspect.trainer.dist.World;
import com.edgeinspect.trainer.model.Conv;
import com.edgeinspect.trainer.model.Detector;
import com.edgeinspect.trainer.model.DetectorSpec;
import com.edgeinspect.trainer.model.TorchOps;
import com.edgeinspect.trainer.train.DetectionLoss;
import com.edgeinspect.trainer.train.FitLoop;
import com.edgeinspect.trainer.train.Sample;
import com.edgeinspect.trainer.train.SampleSets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The final distillation of a searched shape: it starts from the teacher's kept channels, each group learns at its
 * multiplier, and the selection term measures exactly the distance to the kept teacher channels.
 */
class PrunedStartTest {

    static final DetectorSpec TEACHER = new DetectorSpec(5, new int[] {16, 16, 32, 32}, 1, 16);
    /** Stem and stage 1 at 50%, stage 2 at 75%, stage 3 kept whole, neck at 25%. */
    static final DetectorSpec SHAPE = new DetectorSpec(5, new int[] {8, 8, 24, 32}, 1, 4);

    @TempDir
    static Path tmp;
    static List<Sample> samples;
    static Detector teacher;

    @BeforeAll
    static void teacher() throws Exception {
        samples = SampleSets.fromVideos(List.of(Path.of("../test-videos/mixed-defects.mp4")), 30, 96, 1, 0.5, 1);
        torch.manual_seed(3);
        teacher = new Detector(TEACHER);
        new FitLoop(teacher, new FitLoop.Settings(20, 4, 3e-3, 0, 2, 1, 100), tmp.resolve("t"))
                .run(samples, 5, DetectionLoss.objective(teacher));
    }

    @Test
    void keepingEveryChannelStartsAtZeroSelectionLossAndBaseRates() {
        PrunedStart same = new PrunedStart(teacher, TEACHER, PrunedStart.Beta.DEFAULT);
        assertThat(selectionLoss(same)).isLessThan(1e-10);
        for (String layer : teacher.layers().keySet()) {
            assertThat(same.multiplier(layer)).as(layer).isEqualTo(1);
        }
        PrunedStart cut = new PrunedStart(teacher, SHAPE, PrunedStart.Beta.DEFAULT);
        assertThat(selectionLoss(cut)).as("the pruned student's channels drift from the teacher's").isPositive();
        assertThat(cut.multiplier("stem")).isCloseTo(1.6, within(1e-9));
        assertThat(cut.multiplier("s1_conv0")).isCloseTo(1.6, within(1e-9));
        assertThat(cut.multiplier("s2_down")).isCloseTo(0.8 / 0.75, within(1e-9));
        assertThat(cut.multiplier("s3_conv0")).isEqualTo(1);
        assertThat(cut.multiplier("lateral1")).isCloseTo(3.2, within(1e-9));
        assertThat(cut.parameterMultiplier("student.lateral1.conv.weight")).isCloseTo(3.2, within(1e-9));
        assertThat(cut.parameterMultiplier("adapt_neck.conv.weight")).isEqualTo(1);
    }

    @Test
    void betaFollowsItsSchedule() {
        PrunedStart.Beta b = PrunedStart.Beta.DEFAULT;
        assertThat(b.at(0)).isEqualTo(0.1);
        assertThat(b.at(999)).isEqualTo(0.1);
        assertThat(b.at(1000)).isCloseTo(0.15, within(1e-12));
        assertThat(b.at(3999)).isCloseTo(0.25, within(1e-12));
        assertThat(b.at(4000)).isCloseTo(0.3, within(1e-12));
        assertThat(b.at(1_000_000)).isEqualTo(0.3);
    }

    @Test
    void eachGroupLearnsAtItsRateAndTheSelectionTermHoldsChannelsNearTheTeacher() throws Exception {
        // AdamW's first step moves every parameter with a gradient by the learning rate (|g| / (|g| + eps) ~ 1): the
        // largest move in a layer is its group's rate.
        PrunedStart start = new PrunedStart(teacher, SHAPE, PrunedStart.Beta.DEFAULT);
        DistillModel model = new DistillModel(start.student(), TEACHER);
        Map<String, float[]> before = weights(model);
        double lr = 1e-3;
        new FitLoop(model, new FitLoop.Settings(1, 4, lr, 0, 1, 5, 100), tmp.resolve("one"), World.single(), 1,
                start::parameterMultiplier).run(samples, 5, objective(model, start, 1));
        Map<String, float[]> after = weights(model);
        for (String layer : List.of("stem", "s1_conv0", "s2_down", "s3_conv0", "lateral1")) {
            assertThat(maxMove(before.get(layer), after.get(layer))).as(layer)
                    .isCloseTo(lr * start.multiplier(layer), within(0.05 * lr));
        }

        // The same 60 steps with and without the selection term: the data pull the kept channels away from the
        // teacher's (how far depends on the machine's float arithmetic); the term must hold them nearer.
        List<Map<String, Double>> held = distil(new PrunedStart.Beta(0.1, 0.1, 20, 0.3), "held");
        List<Map<String, Double>> free = distil(new PrunedStart.Beta(0, 0, 20, 0), "free");
        assertThat(held.get(0).get("beta")).isCloseTo(0.1, within(1e-6));
        assertThat(held.get(59).get("beta")).isCloseTo(0.3, within(1e-6));
        assertThat(held.get(0).get("sel")).isPositive().isCloseTo(free.get(0).get("sel"), within(1e-6));
        double withTerm = lastTen(held, "sel");
        double without = lastTen(free, "sel");
        assertThat(withTerm).as("selection term, last ten steps, with it vs without").isLessThan(without);
    }

    private static List<Map<String, Double>> distil(PrunedStart.Beta beta, String dir) throws Exception {
        PrunedStart start = new PrunedStart(teacher, SHAPE, beta);
        torch.manual_seed(4);
        DistillModel m = new DistillModel(start.student(), TEACHER);
        return new FitLoop(m, new FitLoop.Settings(60, 4, 3e-3, 0, 3, 2, 100), tmp.resolve(dir), World.single(), 1,
                start::parameterMultiplier).run(samples, 5, objective(m, start, 60));
    }

    private static double lastTen(List<Map<String, Double>> log, String term) {
        return log.subList(log.size() - 10, log.size()).stream().mapToDouble(r -> r.get(term)).average().orElseThrow();
    }

    private static Distillation objective(DistillModel model, PrunedStart start, int steps) {
        return new Distillation(TeacherPass.of(teacher), model, Distillation.Weights.DEFAULT, steps, TorchOps::new,
                start);
    }

    private static double selectionLoss(PrunedStart start) {
        try (NoGradGuard g = new NoGradGuard()) {
            teacher.eval();
            start.student().eval();
            Tensor x = torch.randn(2, 3, 64, 96);
            TorchOps t = new TorchOps();
            TorchOps s = new TorchOps();
            teacher.describe(t, x);
            start.student().describe(s, x);
            return start.loss(s.taps(), t.taps()).item_double();
        }
    }

    private static Map<String, float[]> weights(DistillModel model) {
        Map<String, float[]> out = new java.util.HashMap<>();
        model.student().layers().forEach((name, c) -> out.put(name, Conv.floats(c.weight().clone())));
        return out;
    }

    private static double maxMove(float[] a, float[] b) {
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs(a[i] - b[i]));
        }
        return m;
    }
}
