package com.edgeinspect.trainer.cli;

import com.edgeinspect.core.dataset.VideoAnnotations;
import com.edgeinspect.trainer.data.DatasetFormat;
import com.edgeinspect.trainer.data.Problems;
import com.edgeinspect.trainer.model.Detector;
import com.edgeinspect.trainer.model.DetectorSpec;
import com.edgeinspect.trainer.model.TorchOps;
import com.edgeinspect.trainer.train.DetectionLoss;
import com.edgeinspect.trainer.train.FitLoop;
import com.edgeinspect.trainer.train.RunConfig;
import com.edgeinspect.trainer.train.Sample;
import com.edgeinspect.trainer.train.SampleSets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code trainer train-teacher}: trains a detector on hard labels (the teacher, or a student baseline). */
@Command(name = "train-teacher", mixinStandardHelpOptions = true,
        description = "Train a detector on hard labels from annotated videos or a COCO/YOLO/VOC dataset. Resumes from "
                + "the run directory's checkpoint when there is one.")
final class TrainTeacherCommand implements Callable<Integer> {

    @Option(names = "--videos", split = ",", description = "annotated clips (<name>.json beside each)")
    List<Path> videos = new ArrayList<>();

    @Option(names = "--dataset", description = "FORMAT:PATH of a still dataset, e.g. voc:../shared/datasets/NEU-DET")
    String dataset;

    @Option(names = "--out", required = true, description = "run directory")
    Path out;

    @Option(names = "--model", defaultValue = "teacher", description = "teacher or student (default ${DEFAULT-VALUE})")
    String model;

    @Option(names = "--steps", defaultValue = "3000")
    int steps;

    @Option(names = "--batch", defaultValue = "8")
    int batch;

    @Option(names = "--lr", defaultValue = "2e-3")
    double lr;

    @Option(names = "--crop", defaultValue = "192", description = "training crop side, multiple of 16")
    int crop;

    @Option(names = "--every", defaultValue = "3", description = "use one frame in N of each clip")
    int every;

    @Option(names = "--seed", defaultValue = "1")
    long seed;

    @Option(names = "--stop-after", description = "stop (with a checkpoint) after this step; rerun to resume")
    Integer stopAfter;

    @Override
    public Integer call() throws Exception {
        if (videos.isEmpty() == (dataset == null)) {
            throw new IllegalArgumentException("give either --videos or --dataset");
        }
        List<String> classes;
        List<Sample> samples;
        List<String> data = new ArrayList<>();
        if (dataset != null) {
            int colon = dataset.indexOf(':');
            if (colon < 0) {
                throw new IllegalArgumentException("--dataset: expected FORMAT:PATH, got '" + dataset + "'");
            }
            DatasetFormat.Loaded d = DatasetFormat.of(dataset.substring(0, colon))
                    .read(Path.of(dataset.substring(colon + 1)), null, Problems.strict());
            classes = d.dataset().classes();
            samples = SampleSets.fromDataset(d);
            data.add(dataset);
        } else {
            classes = VideoAnnotations.readBeside(videos.get(0)).classes();
            samples = SampleSets.fromVideos(videos, every, crop, 2, 0.5, seed);
            videos.forEach(v -> data.add(v.toString()));
        }
        DetectorSpec spec = switch (model) {
            case "teacher" -> DetectorSpec.teacher(classes.size());
            case "student" -> DetectorSpec.student(classes.size());
            default -> throw new IllegalArgumentException("--model: unknown '" + model + "'; valid: teacher, student");
        };
        FitLoop.Settings settings = new FitLoop.Settings(steps, batch, lr, 1e-4, Math.min(200, steps / 10 + 1), seed,
                200);
        Files.createDirectories(out);
        new RunConfig("train-teacher", classes, spec, settings, data, crop).write(out);
        System.err.printf("%d samples, %s, %d steps of %d%n", samples.size(), spec, steps, batch);
        torch.manual_seed(seed);
        Detector net = new Detector(spec);
        FitLoop loop = new FitLoop(net, settings, out);
        FitLoop.Objective hard = (b, step) -> {
            Detector.Heads<Tensor> h = net.describe(new TorchOps(), b.image());
            DetectionLoss.Terms t = DetectionLoss.of(h.heatmapLogits(), h.size(), h.offset(), b);
            return new FitLoop.Losses(t.total(), Map.of("hm", t.heatmap(), "size", t.size(), "off", t.offset()));
        };
        loop.run(samples, classes.size(), hard, stopAfter == null ? steps : stopAfter);
        System.out.println("trained " + out.resolve("model.pt"));
        return 0;
    }
}
