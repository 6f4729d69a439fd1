package com.edgeinspect.trainer.cli;

import com.edgeinspect.trainer.dist.World;
import com.edgeinspect.trainer.model.Detector;
import com.edgeinspect.trainer.model.DetectorSpec;
import com.edgeinspect.trainer.train.DetectionLoss;
import com.edgeinspect.trainer.train.FitLoop;
import com.edgeinspect.trainer.train.RunConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.bytedeco.pytorch.global.torch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code trainer train-teacher}: trains a detector on hard labels (the teacher, or a student baseline). */
@Command(name = "train-teacher", mixinStandardHelpOptions = true,
        description = "Train a detector on hard labels from annotated videos or a COCO/YOLO/VOC dataset. Resumes from "
                + "the run directory's checkpoint when there is one.")
final class TrainTeacherCommand implements Callable<Integer> {

    @Mixin
    DataOptions data;

    @Mixin
    FitOptions fit;

    @Option(names = "--out", required = true, description = "run directory")
    Path out;

    @Option(names = "--model", defaultValue = "teacher", description = "teacher or student (default ${DEFAULT-VALUE})")
    String model;

    @Override
    public Integer call() throws Exception {
        DataOptions.Loaded d = data.load();
        List<String> classes = d.classes();
        DetectorSpec spec = switch (model) {
            case "teacher" -> DetectorSpec.teacher(classes.size());
            case "student" -> DetectorSpec.student(classes.size());
            default -> throw new IllegalArgumentException("--model: unknown '" + model + "'; valid: teacher, student");
        };
        FitLoop.Settings settings = fit.settings(data.seed);
        try (World world = fit.world()) {
            if (world.leads()) {
                Files.createDirectories(out);
                new RunConfig("train-teacher", classes, spec, settings, d.sources(), data.crop, null).write(out);
                System.err.printf("%d samples, %s, %d steps of %d, %d process(es)%n", d.samples().size(), spec,
                        fit.steps, fit.batch, world.size());
            }
            torch.manual_seed(data.seed);
            Detector net = new Detector(spec);
            new FitLoop(net, settings, out, world, fit.microBatches).run(d.samples(), classes.size(),
                    DetectionLoss.objective(net), fit.until());
            if (world.leads()) {
                System.out.println("trained " + out.resolve("model.pt"));
            }
        }
        return 0;
    }
}
