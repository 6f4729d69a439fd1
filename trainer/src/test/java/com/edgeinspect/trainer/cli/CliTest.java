package com.edgeinspect.trainer.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.edgeinspect.core.dataset.VideoAnnotations;
import com.edgeinspect.trainer.data.DatasetFormat;
import com.edgeinspect.trainer.data.Problems;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The trainer's commands as a user runs them: a small clip, then its frames as a COCO dataset. */
class CliTest {

    @TempDir
    Path tmp;

    @Test
    void synthThenConvertVideoFramesToCoco() throws Exception {
        Path clip = tmp.resolve("small.mp4");
        assertThat(TrainerCli.run("synth", "-o", clip.toString(), "--duration", "1", "--size", "640x360",
                "--defect-rate", "1", "--seed", "3", "--preset", "easy")).isZero();
        VideoAnnotations a = VideoAnnotations.readBeside(clip);
        assertThat(a.video().frames()).isEqualTo(30);
        assertThat(a.video().width()).isEqualTo(640);

        Path out = tmp.resolve("coco");
        assertThat(TrainerCli.run("convert", "--from", "video", "--in", clip.toString(), "--to", "coco", "--out",
                out.toString(), "--every", "10")).isZero();
        DatasetFormat.Loaded d = DatasetFormat.of("coco").read(out, null, Problems.strict());
        assertThat(d.dataset().images()).hasSize(3);
        assertThat(d.dataset().classes()).isEqualTo(a.classes());
        long labelled = a.frames().get(10).defects().size();
        assertThat(d.dataset().images().get(1).annotations()).hasSize((int) labelled);
        assertThat(Files.exists(out.resolve(".frames"))).isFalse();
    }

    @Test
    void badOptionsAreOneLineErrorsNamingTheOption() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream old = System.err;
        System.setErr(new PrintStream(err, true));
        try {
            assertThat(TrainerCli.run("synth", "-o", tmp.resolve("x.mp4").toString(), "--preset", "brutal")).isEqualTo(2);
            assertThat(TrainerCli.run("synth", "-o", tmp.resolve("x.mp4").toString(), "--classes", "dent")).isEqualTo(2);
            assertThat(TrainerCli.run("synth", "-o", tmp.resolve("x.mp4").toString(), "--defect-rate", "1.5"))
                    .isEqualTo(2);
        } finally {
            System.setErr(old);
        }
        assertThat(err.toString()).contains("--preset: unknown 'brutal'; valid: easy, normal, hard")
                .contains("unknown defect class 'dent'; valid: scratch, crack, pit, stain, chip")
                .contains("defect rate must be in [0, 1], got 1.5");
        assertThat(tmp.resolve("x.mp4")).doesNotExist();
    }
}
