package com.edgeinspect.trainer.cli;

import com.edgeinspect.trainer.dist.World;
import com.edgeinspect.trainer.distill.DistillModel;
import com.edgeinspect.trainer.distill.Distillation;
import com.edgeinspect.trainer.model.Detector;
import com.edgeinspect.trainer.model.DetectorSpec;
import com.edgeinspect.trainer.train.Checkpoints;
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

/** {@code trainer distill}: a student trained from a teacher with the four-term loss. */
@Command(name = "distill", mixinStandardHelpOptions = true,
        description = "Distil a trained teacher into a student: hard labels + soft labels (KL at temperature T) + "
                + "adapted intermediate features + attention maps. Resumes from the run directory's checkpoint.")
final class DistillCommand implements Callable<Integer> {

    @Mixin
    DataOptions data;

    @Mixin
    FitOptions fit;

    @Option(names = "--teacher", required = true, description = "the teacher's run directory")
    Path teacherRun;

    @Option(names = "--out", required = true, description = "run directory")
    Path out;

    @Option(names = "--weights", split = ",", defaultValue = "0.5,0.3,0.15,0.05",
            description = "loss weights hard,kl,feature,attention (default ${DEFAULT-VALUE})")
    List<Double> weights;

    @Option(names = "--temperature", defaultValue = "4", description = "starting temperature (default ${DEFAULT-VALUE})")
    double t0;

    @Option(names = "--stages", defaultValue = "3", description = "temperature drops by 1 per stage (default ${DEFAULT-VALUE})")
    int stages;

    @Option(names = "--shape", description = "the student's widths as W0,W1,W2,W3/NECK (e.g. the search's choice; "
            + "default: the standard student 16,24,48,64/32)")
    String shape;

    @Option(names = "--depth", defaultValue = "1", description = "extra convolutions per stage (default ${DEFAULT-VALUE})")
    int depth;

    @Override
    public Integer call() throws Exception {
        if (weights.size() != 4) {
            throw new IllegalArgumentException("--weights: expected 4 values hard,kl,feature,attention, got " + weights);
        }
        RunConfig tc = RunConfig.read(teacherRun);
        Detector teacher = Checkpoints.load(teacherRun);
        DataOptions.Loaded d = data.load();
        if (!d.classes().equals(tc.classes())) {
            throw new IllegalArgumentException("classes of the data " + d.classes() + " differ from the teacher's "
                    + tc.classes());
        }
        DetectorSpec spec = shape == null ? DetectorSpec.student(d.classes().size()) : parse(shape, d.classes().size());
        FitLoop.Settings settings = fit.settings(data.seed);
        try (World world = fit.world()) {
            if (world.leads()) {
                Files.createDirectories(out);
                new RunConfig("distill", d.classes(), spec, settings, d.sources(), data.crop, tc.spec()).write(out);
                System.err.printf("%d samples; teacher %s -> student %s (%.1fx fewer MACs), %d process(es)%n",
                        d.samples().size(), tc.spec(), spec,
                        (double) tc.spec().macs(1088, 1920) / spec.macs(1088, 1920), world.size());
            }
            torch.manual_seed(data.seed);
            DistillModel model = new DistillModel(spec, tc.spec());
            // Each rank runs the frozen teacher on its own shards: soft targets cannot be cached, since every step
            // augments its crops afresh.
            Distillation objective = new Distillation(teacher, model, new Distillation.Weights(weights.get(0),
                    weights.get(1), weights.get(2), weights.get(3), t0, stages), fit.steps);
            new FitLoop(model, settings, out, world, fit.microBatches).run(d.samples(), d.classes().size(), objective,
                    fit.until());
            if (world.leads()) {
                System.out.println("distilled " + out.resolve("model.pt"));
            }
        }
        return 0;
    }

    private DetectorSpec parse(String text, int classes) {
        String[] parts = text.split("/");
        String[] w = parts[0].split(",");
        if (parts.length != 2 || w.length != 4) {
            throw new IllegalArgumentException("--shape: expected W0,W1,W2,W3/NECK, got '" + text + "'");
        }
        try {
            return new DetectorSpec(classes, java.util.Arrays.stream(w).mapToInt(x -> Integer.parseInt(x.trim())).toArray(),
                    depth, Integer.parseInt(parts[1].trim()));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--shape: expected W0,W1,W2,W3/NECK, got '" + text + "'");
        }
    }
}
