package com.edgeinspect.trainer.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.edgeinspect.core.bundle.Bundle;
import com.edgeinspect.core.bundle.Keys;
import com.edgeinspect.core.bundle.Manifest;
import com.edgeinspect.core.bundle.SmokeTest;
import com.edgeinspect.core.dataset.VideoAnnotations;
import com.edgeinspect.core.detect.CenterNetDecoder;
import com.edgeinspect.core.detect.OrtDetector;
import com.edgeinspect.trainer.data.DatasetFormat;
import com.edgeinspect.trainer.data.Problems;
import com.edgeinspect.trainer.train.RunConfig;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
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
    void evalScoresSeveralClipsTogetherAndEachAsItScoresAlone() throws Exception {
        Path onnx = tmp.resolve("default.onnx");
        Bundle b = Bundle.read(Path.of("../models/default.vimodel"), new Bundle.Trust(
                List.of(Keys.readPublic(Path.of("../models/demo-signing.pub"))), false, 64 << 20));
        Files.write(onnx, b.model());
        Path mixed = Path.of("../test-videos/mixed-defects.mp4");
        Path hard = Path.of("../test-videos/hard-conditions.mp4");
        Path both = tmp.resolve("both.json");
        Path alone = tmp.resolve("alone.json");
        assertThat(TrainerCli.run("eval", "--model", onnx.toString(), "--videos", mixed + "," + hard, "--every", "30",
                "--report", both.toString())).isZero();
        assertThat(TrainerCli.run("eval", "--model", onnx.toString(), "--videos", hard.toString(), "--every", "30",
                "--report", alone.toString())).isZero();
        JsonNode together = new ObjectMapper().readTree(both.toFile());
        JsonNode single = new ObjectMapper().readTree(alone.toFile());
        assertThat(together.get("perClip").size()).isEqualTo(2);
        double clipMap = together.at("/perClip/hard-conditions.mp4/map50").asDouble();
        assertThat(clipMap).isPositive().isEqualTo(single.get("map50").asDouble())
                .isNotEqualTo(together.at("/perClip/mixed-defects.mp4/map50").asDouble());
        JsonNode perClass = together.at("/perClip/hard-conditions.mp4/ap50PerClass");
        assertThat(perClass.size()).isPositive();
        perClass.fields().forEachRemaining(c -> assertThat(c.getValue()).isEqualTo(single.at("/ap50PerClass/"
                + c.getKey())));
        assertThat(single.has("perClip")).as("one clip has no table of one").isFalse();
    }

    @Test
    void trainExportEvalAndBundleGiveASignedBundleTheApplianceAccepts() throws Exception {
        Path clip = tmp.resolve("line.mp4");
        assertThat(TrainerCli.run("synth", "-o", clip.toString(), "--duration", "1", "--size", "640x360",
                "--defect-rate", "1", "--seed", "5", "--preset", "easy")).isZero();
        Path run = tmp.resolve("run");
        assertThat(TrainerCli.run("train-teacher", "--model", "student", "--videos", clip.toString(), "--steps", "4",
                "--batch", "2", "--crop", "96", "--every", "10", "--out", run.toString())).isZero();
        Path onnx = tmp.resolve("student.onnx");
        assertThat(TrainerCli.run("export", "--run", run.toString(), "--out", onnx.toString())).isZero();
        Path report = tmp.resolve("eval.json");
        assertThat(TrainerCli.run("eval", "--model", onnx.toString(), "--videos", clip.toString(), "--every", "15",
                "--report", report.toString())).isZero();
        assertThat(TrainerCli.run("keys", "--out", tmp.resolve("keys").toString(), "--name", "fleet")).isZero();
        assertThat(TrainerCli.run("keys", "--out", tmp.resolve("keys").toString(), "--name", "fleet"))
                .as("never overwrite a key").isEqualTo(2);
        Path bundle = tmp.resolve("student-1.vimodel");
        assertThat(TrainerCli.run("bundle", "--run", run.toString(), "--model", onnx.toString(), "--key",
                tmp.resolve("keys/fleet.key").toString(), "--version", "1.0.0", "--metrics", report.toString(),
                "--golden-clip", clip.toString(), "--out", bundle.toString())).isZero();

        Bundle b = Bundle.read(bundle, new Bundle.Trust(List.of(Keys.readPublic(tmp.resolve("keys/fleet.pub"))),
                false, 64 << 20));
        Manifest m = b.manifest();
        assertThat(m.version()).isEqualTo("1.0.0");
        assertThat(m.golden()).hasSize(2);
        assertThat(m.metrics()).containsKeys("map50", "ap50PerClass", "ap10PerClass");
        assertThat(m.provenance()).containsKey("run");
        try (OrtDetector d = new OrtDetector(b.model(), m.classes().size(), List.of(OrtDetector.Provider.CPU), 1,
                new CenterNetDecoder(0.3f, 10))) {
            SmokeTest.run(b, d);
        }
    }

    @Test
    void distillQuantizeExportAndBundleGiveAnInt8BundleTheApplianceAccepts() throws Exception {
        Path clip = tmp.resolve("line.mp4");
        assertThat(TrainerCli.run("synth", "-o", clip.toString(), "--duration", "1", "--size", "640x360",
                "--defect-rate", "1", "--seed", "6", "--preset", "easy")).isZero();
        String[] data = {"--videos", clip.toString(), "--batch", "2", "--crop", "96", "--every", "10"};
        Path teacher = tmp.resolve("teacher");
        Path student = tmp.resolve("student");
        assertThat(TrainerCli.run(args("train-teacher", data, "--steps", "3", "--out", teacher.toString()))).isZero();
        assertThat(TrainerCli.run(args("distill", data, "--steps", "3", "--teacher", teacher.toString(), "--out",
                student.toString()))).isZero();
        Path deep = tmp.resolve("deep");
        assertThat(TrainerCli.run(args("distill", data, "--steps", "1", "--teacher", teacher.toString(), "--depth",
                "teacher", "--out", deep.toString()))).isZero();
        assertThat(RunConfig.read(deep).spec().depth()).as("--depth teacher")
                .isEqualTo(RunConfig.read(teacher).spec().depth()).isNotEqualTo(RunConfig.read(student).spec().depth());
        assertThat(TrainerCli.run(args("distill", data, "--steps", "1", "--teacher", teacher.toString(), "--depth",
                "deep", "--out", tmp.resolve("bad").toString()))).as("--depth deep").isEqualTo(2);
        Path ptq = tmp.resolve("ptq");
        Path qat = tmp.resolve("qat");
        String[] from = {"--student", student.toString(), "--teacher", teacher.toString(), "--calibration", "2"};
        assertThat(TrainerCli.run(args("quantize", data, from, "--steps", "0", "--out", ptq.toString())))
                .isZero();
        assertThat(Files.exists(ptq.resolve("model.pt"))).as("calibration alone leaves a model").isTrue();
        assertThat(TrainerCli.run(args("quantize", data, from, "--steps", "3", "--out", qat.toString())))
                .isZero();
        assertThat(TrainerCli.run("export", "--run", student.toString(), "--target", "cpu", "--out",
                tmp.resolve("x.onnx").toString())).as("a float run has no cpu int8 form").isEqualTo(2);
        assertThat(TrainerCli.run("keys", "--out", tmp.resolve("keys").toString(), "--name", "fleet")).isZero();
        for (String target : List.of("tensorrt", "cpu")) {
            Path onnx = tmp.resolve("qat-" + target + ".onnx");
            assertThat(TrainerCli.run("export", "--run", qat.toString(), "--target", target, "--out", onnx.toString()))
                    .isZero();
            Path bundle = tmp.resolve("qat-" + target + ".vimodel");
            assertThat(TrainerCli.run("bundle", "--run", qat.toString(), "--model", onnx.toString(), "--key",
                    tmp.resolve("keys/fleet.key").toString(), "--version", "1.0.0", "--golden-clip", clip.toString(),
                    "--out", bundle.toString())).isZero();
            Bundle b = Bundle.read(bundle, new Bundle.Trust(List.of(Keys.readPublic(tmp.resolve("keys/fleet.pub"))),
                    false, 64 << 20));
            assertThat(b.manifest().model().precision()).isEqualTo("int8");
            try (OrtDetector d = new OrtDetector(b.model(), b.manifest().classes().size(),
                    List.of(OrtDetector.Provider.CPU), 1, new CenterNetDecoder(0.3f, 10))) {
                SmokeTest.run(b, d);
            }
        }
    }

    /** The search tests' training data: one 1 s clip at 640x360, every part defective. */
    private String[] searchData(String seed) {
        Path clip = tmp.resolve("line.mp4");
        assertThat(TrainerCli.run("synth", "-o", clip.toString(), "--duration", "1", "--size", "640x360",
                "--defect-rate", "1", "--seed", seed, "--preset", "easy")).isZero();
        return new String[] {"--videos", clip.toString(), "--crop", "96", "--every", "10"};
    }

    /** A teacher trained for a few steps on the search tests' data. */
    private Path searchTeacher(String[] data, String steps) {
        Path teacher = tmp.resolve("teacher");
        assertThat(TrainerCli.run(args("train-teacher", data, "--batch", "2", "--steps", steps, "--out",
                teacher.toString()))).isZero();
        return teacher;
    }

    @Test
    void searchPrunesTheTeacherScoresCandidatesAndResumesByReplaying() throws Exception {
        String[] data = searchData("7");
        Path clip = tmp.resolve("line.mp4");
        Path teacher = searchTeacher(data, "3");
        Path out = tmp.resolve("search");
        String[] search = {"--teacher", teacher.toString(), "--holdout", clip.toString(), "--holdout-every", "15",
            "--episodes-per-update", "2", "--distill-steps", "2", "--gate-steps", "2", "--out", out.toString()};
        assertThat(TrainerCli.run(args("search", data, search, "--updates", "1"))).isZero();
        List<String> first = Files.readAllLines(out.resolve("episodes.csv"));
        assertThat(first).hasSize(1 + 2);
        List<String> measured = Files.readAllLines(out.resolve("candidates.csv"));
        assertThat(measured.size()).as("header, the base, the six uniform scalings, the episodes' shapes")
                .isBetween(1 + 7, 1 + 9);
        assertThat(Files.readAllLines(out.resolve("uniform.csv"))).hasSize(1 + 6);
        assertThat(Files.readString(out.resolve("pareto.svg"))).startsWith("<svg").contains("polyline");
        assertThat(Files.readAllLines(out.resolve("pareto.csv")).size()).isGreaterThan(1);

        assertThat(TrainerCli.run(args("search", data, search, "--updates", "2"))).isZero();
        List<String> again = Files.readAllLines(out.resolve("episodes.csv"));
        assertThat(again).hasSize(1 + 4).startsWith(first.toArray(String[]::new));
        List<String[]> rows = Files.readAllLines(out.resolve("candidates.csv")).stream().skip(1)
                .map(l -> l.split(",")).toList();
        assertThat(rows.stream().map(r -> String.join(",", java.util.Arrays.copyOf(r, 5)) + "," + r[9]).toList())
                .as("no candidate (shape and gate) measured twice").doesNotHaveDuplicates();
        assertThat(rows).as("the agent's last decision, the gate threshold: some episodes chose an early exit, "
                + "measured through both graphs, the whole graph timed too").anyMatch(r -> Double.parseDouble(r[9]) > 0
                        && Double.parseDouble(r[6]) > 0 && Double.parseDouble(r[10]) > 0);
    }

    @Test
    void underAHardBudgetTheRewardIsTheAccuracyOfWhatFitsAndTheOvershootOfWhatDoesNot() throws Exception {
        String[] data = searchData("9");
        Path clip = tmp.resolve("line.mp4");
        Path teacher = searchTeacher(data, "2");
        for (String budget : List.of("0.001", "100", "1000000")) {
            Path out = tmp.resolve("search-" + budget);
            assertThat(TrainerCli.run(args("search", data, "--teacher", teacher.toString(), "--holdout",
                    clip.toString(), "--holdout-every", "15", "--updates", "1", "--episodes-per-update", "2",
                    "--distill-steps", "2", "--gate-steps", "2", "--latency-budget-ms", budget, "--bf16", "--out",
                    out.toString()))).as("candidates distilled and gated with bfloat16 forwards").isZero();
            List<String[]> rows = Files.readAllLines(out.resolve("candidates.csv")).stream().skip(1)
                    .map(l -> l.split(",")).toList();
            assertThat(rows).hasSizeGreaterThanOrEqualTo(7);
            double b = Double.parseDouble(budget);
            for (String[] r : rows) {
                double whole = Double.parseDouble(r[10]);
                assertThat(Double.parseDouble(r[8])).as("reward of %s at %s ms", String.join(",", r), budget)
                        .isCloseTo(whole <= b ? Double.parseDouble(r[5]) : -Math.min(1, whole / b - 1),
                                org.assertj.core.data.Offset.offset(1e-5));
            }
            if (budget.equals("0.001")) {
                assertThat(rows).as("nothing fits").allMatch(r -> Double.parseDouble(r[8]) == -1);
            }
        }
    }

    @Test
    void aSearchSharesItsMeasurementsBetweenTwoProcesses() throws Exception {
        String[] data = searchData("8");
        Path clip = tmp.resolve("line.mp4");
        Path teacher = searchTeacher(data, "2");
        Path out = tmp.resolve("search");
        int port;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            port = s.getLocalPort();
        }
        List<Process> ranks = new java.util.ArrayList<>();
        for (int rank = 0; rank < 2; rank++) {
            ProcessBuilder pb = new ProcessBuilder(args(Path.of(System.getProperty("java.home"), "bin", "java")
                    .toString(), "-Xmx1g", "-cp", System.getProperty("java.class.path"), TrainerCli.class.getName(),
                    "search", data, "--teacher", teacher.toString(), "--holdout", clip.toString(), "--holdout-every",
                    "15", "--updates", "1", "--episodes-per-update", "3", "--distill-steps", "1", "--gate-steps", "1",
                    "--out",
                    out.toString())).redirectErrorStream(true).redirectOutput(tmp.resolve("rank" + rank + ".log").toFile());
            pb.environment().putAll(java.util.Map.of("MASTER_ADDR", "127.0.0.1", "MASTER_PORT", Integer.toString(port),
                    "RANK", Integer.toString(rank), "WORLD_SIZE", "2"));
            ranks.add(pb.start());
        }
        for (int rank = 0; rank < 2; rank++) {
            assertThat(ranks.get(rank).waitFor(240, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            assertThat(ranks.get(rank).exitValue()).as(Files.readString(tmp.resolve("rank" + rank + ".log"))).isZero();
        }
        assertThat(Files.readAllLines(out.resolve("episodes.csv"))).hasSize(1 + 3);
        assertThat(Files.readString(tmp.resolve("rank1.log"))).containsPattern("rank 1 measured [1-9]");
    }

    /** Command-line words from strings and arrays of them, in order. */
    private static String[] args(Object... parts) {
        List<String> out = new java.util.ArrayList<>();
        for (Object p : parts) {
            if (p instanceof String[] a) {
                out.addAll(List.of(a));
            } else {
                out.add((String) p);
            }
        }
        return out.toArray(String[]::new);
    }

    @Test
    void aStillDatasetTrainsOnImagesOfAnySizeAndScoresOnTheImagesItsSplitNames() throws Exception {
        String voc = "voc:" + Path.of(CliTest.class.getResource("/datasets/voc").toURI()); // 80x60 and 64x48
        Path run = tmp.resolve("run");
        assertThat(TrainerCli.run("train-teacher", "--model", "student", "--dataset", voc, "--steps", "2", "--batch",
                "2", "--out", run.toString())).isZero();
        Path split = Files.writeString(tmp.resolve("test.txt"), "plate_a\n\n");
        Path onnx = tmp.resolve("student.onnx");
        assertThat(TrainerCli.run("export", "--run", run.toString(), "--out", onnx.toString())).isZero();
        Path report = tmp.resolve("eval.json");
        assertThat(TrainerCli.run("eval", "--model", onnx.toString(), "--dataset", voc, "--split", split.toString(),
                "--report", report.toString())).isZero();
        var r = new com.fasterxml.jackson.databind.ObjectMapper().readTree(report.toFile());
        assertThat(r.path("images").asInt()).as("only the image the split names").isOne();
        assertThat(r.path("dataset").asText()).isEqualTo(voc);
        assertThat(r.has("map50")).isTrue();
        var confusion = r.path("confusionAtThreshold").path("truthToDetected");
        for (String unmatched : List.of("background", "second on a defect")) {
            assertThat(confusion.path(unmatched).size()).as("one column per class")
                    .isEqualTo(r.path("ap50PerClass").size());
        }

        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream old = System.err;
        System.setErr(new PrintStream(err, true));
        try {
            Path bad = Files.writeString(tmp.resolve("bad.txt"), "plate_a\nplate_z\n");
            assertThat(TrainerCli.run("eval", "--model", onnx.toString(), "--dataset", voc, "--split", bad.toString()))
                    .isEqualTo(2);
        } finally {
            System.setErr(old);
        }
        assertThat(err.toString()).contains("bad.txt: line 2: no image 'plate_z' in the dataset");
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
