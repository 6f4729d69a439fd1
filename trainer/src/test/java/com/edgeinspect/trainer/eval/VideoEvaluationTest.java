package com.edgeinspect.trainer.eval;

import static org.assertj.core.api.Assertions.assertThat;

import com.edgeinspect.core.bundle.Bundle;
import com.edgeinspect.core.bundle.Keys;
import com.edgeinspect.core.detect.CenterNetDecoder;
import com.edgeinspect.core.detect.OrtDetector;
import com.edgeinspect.core.metrics.DetectionEvaluator;
import com.edgeinspect.trainer.cli.TrainerCli;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VideoEvaluationTest {

    @TempDir
    Path tmp;

    @Test
    void framesKeptOnceScoreAsTheClipDecodedAgain() throws Exception {
        Path clip = tmp.resolve("line.mp4");
        assertThat(TrainerCli.run("synth", "-o", clip.toString(), "--duration", "1", "--defect-rate", "1", "--seed",
                "4", "--preset", "easy")).isZero();
        Bundle b = Bundle.read(Path.of("../models/default.vimodel"), new Bundle.Trust(
                List.of(Keys.readPublic(Path.of("../models/demo-signing.pub"))), false, 64 << 20));
        try (OrtDetector d = new OrtDetector(b.model(), 5, List.of(OrtDetector.Provider.CPU), 1,
                new CenterNetDecoder(0.01f, 100))) {
            DetectionEvaluator decoded = new DetectionEvaluator(5);
            assertThat(VideoEvaluation.run(d, List.of(clip), 7, decoded, Map.of())).isPositive();

            VideoEvaluation.Kept kept = VideoEvaluation.keep(List.of(clip), 7);
            assertThat(kept.frames()).as("frames 0, 7, 14, 21, 28 of 30").hasSize(5);
            DetectionEvaluator again = new DetectionEvaluator(5);
            assertThat(VideoEvaluation.run(d, kept, again)).isPositive();
            assertThat(again.map(0.5)).as("the bundled model finds the defects of an easy clip").isPositive()
                    .isEqualTo(decoded.map(0.5));
            assertThat(again.mapCoco()).isEqualTo(decoded.mapCoco());
            assertThat(VideoEvaluation.time(d, kept, 2)).isPositive();
        }
    }
}
