package com.edgeinspect.trainer.gate;

import static org.assertj.core.api.Assertions.assertThat;

import com.edgeinspect.trainer.model.Conv;
import com.edgeinspect.trainer.model.Detector;
import com.edgeinspect.trainer.model.DetectorSpec;
import com.edgeinspect.trainer.model.Gate;
import com.edgeinspect.trainer.train.FitLoop;
import com.edgeinspect.trainer.train.Sample;
import com.edgeinspect.trainer.train.SampleSets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A tiny real gate run on crops of a committed clip: it learns, the student it reads stays exactly as it was. */
class GateTrainingTest {

    private static final Path CLIP = Path.of("../test-videos/mixed-defects.mp4");

    @TempDir
    Path tmp;

    @Test
    void theGateLearnsWhileTheStudentStaysFrozen() throws Exception {
        List<Sample> samples = SampleSets.fromVideos(List.of(CLIP), 15, 96, 1, 0.5, 1);
        torch.manual_seed(4);
        DetectorSpec spec = new DetectorSpec(5, new int[] {8, 8, 16, 16}, 0, 8);
        Detector student = new Detector(spec);
        float[] before = all(student.parameters());
        Gate gate = new Gate(spec);
        float[] gateBefore = all(gate.parameters());

        List<Map<String, Double>> log = new FitLoop(gate, new FitLoop.Settings(80, 8, 1e-2, 1e-4, 5, 3, 100),
                tmp.resolve("gate")).run(samples, 5, new GateTraining(student, gate));

        double first = log.subList(0, 10).stream().mapToDouble(r -> r.get("focal")).average().orElseThrow();
        double last = log.subList(70, 80).stream().mapToDouble(r -> r.get("focal")).average().orElseThrow();
        assertThat(last).as("focal loss, last ten steps vs first ten").isLessThan(first * 0.8);
        assertThat(all(student.parameters())).as("the student's weights").containsExactly(before);
        assertThat(all(gate.parameters())).as("the gate's weights").isNotEqualTo(gateBefore);

        List<Sample> frames = SampleSets.wholeFrames(List.of(CLIP, Path.of("../test-videos/clean-line.mp4")), 30, 0.5);
        assertThat(frames).hasSize(20);
        assertThat(frames.get(0).width()).isEqualTo(1920);
        assertThat(frames.get(0).height()).isEqualTo(1088);
        int[] scored = {0};
        GateThreshold t = GateThreshold.calibrate(student, gate, frames, 5, 0.9, n -> scored[0] += n);
        assertThat(scored[0]).isEqualTo(frames.size());
        assertThat(t.threshold()).isBetween(0.01, 0.99);
        assertThat(t.recall()).isGreaterThanOrEqualTo(0.9);
        assertThat(t.clean()).as("clean frames").isLessThan(frames.size());
        assertThat(t.defective()).isPositive();
        assertThat(t.clean()).isPositive();
    }

    private static float[] all(TensorVector params) {
        int n = 0;
        for (long i = 0; i < params.size(); i++) {
            n += (int) params.get(i).numel();
        }
        float[] out = new float[n];
        int at = 0;
        for (long i = 0; i < params.size(); i++) {
            float[] p = Conv.floats(params.get(i));
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }
}
