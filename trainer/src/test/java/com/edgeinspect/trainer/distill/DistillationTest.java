package com.edgeinspect.trainer.distill;

import static org.assertj.core.api.Assertions.assertThat;

import com.edgeinspect.trainer.model.Detector;
import com.edgeinspect.trainer.model.DetectorSpec;
import com.edgeinspect.trainer.train.FitLoop;
import com.edgeinspect.trainer.train.Sample;
import com.edgeinspect.trainer.train.SampleSets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A tiny real distillation: every term is non-zero, the student learns, the teacher does not move. Each term falls: the
 * three heavy ones under the default weights; the attention term, whose default weight (0.05) is too small to move it
 * within a tiny run while the others reshape the features, when it is the objective.
 */
class DistillationTest {

    static final DetectorSpec TEACHER = new DetectorSpec(5, new int[] {8, 16, 16, 24}, 1, 16);
    static final DetectorSpec STUDENT = new DetectorSpec(5, new int[] {8, 8, 8, 16}, 0, 8);

    @TempDir
    Path tmp;

    @Test
    void allFourTermsFallAndOnlyTheStudentChanges() throws Exception {
        List<Sample> samples = samples();
        Detector teacher = taughtTeacher(samples);
        float[] teacherBefore = flat(teacher.parameters());
        DistillModel model = new DistillModel(STUDENT, TEACHER);
        float[] studentBefore = flat(model.student().parameters());
        Distillation d = new Distillation(teacher, model, Distillation.Weights.DEFAULT, 90);
        assertThat(d.temperature(0)).isEqualTo(4);
        assertThat(d.temperature(89)).isEqualTo(2);
        List<Map<String, Double>> log = new FitLoop(model, new FitLoop.Settings(90, 4, 3e-3, 0, 3, 2, 100),
                tmp.resolve("s")).run(samples, 5, d);
        for (String term : List.of("hard", "kl", "feat")) {
            assertThat(mean(log, 80, 90, term)).as(term + " falls").isLessThan(mean(log, 0, 10, term));
        }
        assertThat(mean(log, 0, 10, "att")).as("att").isPositive();
        DistillModel attentionOnly = new DistillModel(STUDENT, TEACHER);
        List<Map<String, Double>> att = new FitLoop(attentionOnly, new FitLoop.Settings(40, 4, 3e-3, 0, 3, 2, 100),
                tmp.resolve("att")).run(samples, 5, new Distillation(teacher, attentionOnly,
                        new Distillation.Weights(0, 0, 0, 1, 4, 3), 40));
        assertThat(mean(att, 30, 40, "att")).as("att falls when it is the objective")
                .isLessThan(0.8 * mean(att, 0, 10, "att"));
        assertThat(flat(teacher.parameters())).containsExactly(teacherBefore);
        float[] studentAfter = flat(model.student().parameters());
        double moved = 0;
        for (int i = 0; i < studentAfter.length; i++) {
            moved = Math.max(moved, Math.abs(studentAfter[i] - studentBefore[i]));
        }
        assertThat(moved).as("student parameters moved").isGreaterThan(1e-3);
    }

    @Test
    void bf16ForwardPassesDistilToo() throws Exception {
        List<Sample> samples = samples();
        Detector teacher = taughtTeacher(samples);
        DistillModel model = new DistillModel(STUDENT, TEACHER);
        List<Map<String, Double>> log = new FitLoop(model, new FitLoop.Settings(90, 4, 3e-3, 0, 3, 2, 100, 0, true),
                tmp.resolve("bf16")).run(samples, 5, new Distillation(teacher, model, Distillation.Weights.DEFAULT, 90));
        for (String term : List.of("hard", "kl", "feat")) {
            assertThat(mean(log, 80, 90, term)).as(term + " falls").isLessThan(mean(log, 0, 10, term));
        }
        assertThat(mean(log, 0, 10, "att")).as("att").isPositive();
    }

    @Test
    void aRememberingTeacherPassTrainsTheSameStudentWithoutRunningAgain() throws Exception {
        List<Sample> samples = samples();
        torch.manual_seed(2);
        Detector teacher = new Detector(TEACHER);
        TeacherPass remembering = TeacherPass.remembering(teacher, 1L << 30);
        float[] first = distil(TeacherPass.of(teacher), 7, samples);
        assertThat(distil(remembering, 7, samples)).containsExactly(first);
        assertThat(remembering.forwards()).isEqualTo(12);
        assertThat(distil(remembering, 7, samples)).as("the same batches again: the remembered outputs")
                .containsExactly(first);
        assertThat(remembering.forwards()).isEqualTo(12);
        distil(remembering, 8, samples);
        assertThat(remembering.forwards()).as("other batches are run, not given the remembered outputs")
                .isEqualTo(24);
        TeacherPass full = TeacherPass.remembering(teacher, 1);
        distil(full, 7, samples);
        distil(full, 7, samples);
        assertThat(full.forwards()).as("nothing kept past the budget").isEqualTo(24);
    }

    @Test
    void hardLabelsAloneNeverRunTheTeacher() throws Exception {
        List<Sample> samples = samples();
        torch.manual_seed(2);
        TeacherPass teacher = TeacherPass.of(new Detector(TEACHER));
        DistillModel model = new DistillModel(STUDENT, TEACHER);
        List<Map<String, Double>> log = new FitLoop(model, new FitLoop.Settings(40, 4, 3e-3, 0, 3, 2, 100),
                tmp.resolve("hard")).run(samples, 5, new Distillation(teacher, model,
                        new Distillation.Weights(1, 0, 0, 0, 4, 3), 40, com.edgeinspect.trainer.model.TorchOps::new,
                        null));
        assertThat(teacher.forwards()).isZero();
        assertThat(log.get(0)).containsOnlyKeys("step", "lr", "loss", "hard");
        assertThat(mean(log, 30, 40, "hard")).as("hard falls").isLessThan(mean(log, 0, 10, "hard"));
    }

    /** A teacher with some knowledge: a few steps on hard labels. */
    private Detector taughtTeacher(List<Sample> samples) throws java.io.IOException {
        torch.manual_seed(2);
        Detector teacher = new Detector(TEACHER);
        new FitLoop(teacher, new FitLoop.Settings(30, 4, 3e-3, 0, 3, 1, 100), tmp.resolve("t"))
                .run(samples, 5, com.edgeinspect.trainer.train.DetectionLoss.objective(teacher));
        return teacher;
    }

    private static List<Sample> samples() throws java.io.IOException {
        return SampleSets.fromVideos(List.of(Path.of("../test-videos/mixed-defects.mp4")), 30, 96, 1, 0.5, 1);
    }

    /** A student distilled 12 steps on the batches of {@code seed}; its parameters. */
    private float[] distil(TeacherPass teacher, long seed, List<Sample> samples) throws Exception {
        torch.manual_seed(3);
        DistillModel model = new DistillModel(STUDENT, TEACHER);
        new FitLoop(model, new FitLoop.Settings(12, 4, 3e-3, 0, 3, seed, 100), tmp.resolve("r" + System.nanoTime()))
                .run(samples, 5, new Distillation(teacher, model, Distillation.Weights.DEFAULT, 12,
                        com.edgeinspect.trainer.model.TorchOps::new, null));
        return flat(model.student().parameters());
    }

    private static double mean(List<Map<String, Double>> log, int from, int to, String term) {
        return log.subList(from, to).stream().mapToDouble(r -> r.get(term)).average().orElseThrow();
    }

    private static float[] flat(TensorVector params) {
        Tensor all = torch.cat(params.size() == 0 ? new TensorVector() : flatten(params));
        float[] out = new float[(int) all.numel()];
        all.contiguous().data_ptr_float().get(out);
        return out;
    }

    private static TensorVector flatten(TensorVector params) {
        TensorVector v = new TensorVector();
        for (long i = 0; i < params.size(); i++) {
            v.push_back(params.get(i).detach().reshape(-1).clone());
        }
        return v;
    }
}
