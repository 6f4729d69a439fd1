package com.edgeinspect.trainer.cli;

import com.edgeinspect.trainer.dist.World;
import com.edgeinspect.trainer.distill.DistillModel;
import com.edgeinspect.trainer.distill.Distillation;
import com.edgeinspect.trainer.distill.PrunedStart;
import com.edgeinspect.trainer.distill.TeacherPass;
import com.edgeinspect.trainer.model.Detector;
import com.edgeinspect.trainer.model.DetectorSpec;
import com.edgeinspect.trainer.model.TorchOps;
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

    @Option(names = "--depth", description = "extra convolutions per stage: a number, or 'teacher' for the "
            + "teacher's (default: the standard student's, 1; with --from-teacher the teacher's, the only one allowed)")
    String depth;

    @Option(names = "--from-teacher", description = "start from the teacher pruned to --shape (the channels the "
            + "search kept), each channel group learning faster the harder it was cut, with the selection term "
            + "(kept channels close to the teacher's) weighted by the --beta schedule")
    boolean fromTeacher;

    @Option(names = "--beta", split = ",", defaultValue = "0.1,0.05,1000,0.3",
            description = "with --from-teacher, the selection term's weight START,RISE,EVERY_STEPS,MAX (default "
                    + "${DEFAULT-VALUE})")
    List<Double> beta;

    @Override
    public Integer call() throws Exception {
        if (weights.size() != 4) {
            throw new IllegalArgumentException("--weights: expected 4 values hard,kl,feature,attention, got " + weights);
        }
        RunConfig tc = RunConfig.read(teacherRun);
        Detector teacher = Checkpoints.load(teacherRun);
        DataOptions.Loaded d = data.load().requireClasses(tc.classes(), "the teacher's");
        DetectorSpec standard = DetectorSpec.student(d.classes().size());
        int teacherDepth = tc.spec().depth();
        int d0 = depth == null ? (fromTeacher ? teacherDepth : standard.depth()) : parseDepth(depth, teacherDepth);
        if (fromTeacher && d0 != teacherDepth) {
            throw new IllegalArgumentException("--depth " + depth + ": a student pruned from the teacher keeps its "
                    + "depth " + teacherDepth);
        }
        DetectorSpec spec = shape == null ? new DetectorSpec(standard.classes(), standard.widths(), d0,
                standard.neckWidth()) : parse(shape, d.classes().size(), d0);
        if (beta.size() != 4) {
            throw new IllegalArgumentException("--beta: expected START,RISE,EVERY_STEPS,MAX, got " + beta);
        }
        PrunedStart start = fromTeacher ? new PrunedStart(teacher, spec, new PrunedStart.Beta(beta.get(0),
                beta.get(1), (int) Math.round(beta.get(2)), beta.get(3))) : null;
        FitLoop.Settings settings = fit.settings(data.seed);
        try (World world = fit.world()) {
            if (world.leads()) {
                Files.createDirectories(out);
                new RunConfig("distill", d.classes(), spec, settings, d.sources(), data.crop, tc.spec()).write(out);
                System.err.printf("%d samples; teacher %s -> student %s (%.1fx fewer MACs), %d process(es)%n",
                        d.samples().size(), tc.spec(), spec,
                        (double) tc.spec().macs(1088, 1920) / spec.macs(1088, 1920), world.size());
                if (start != null) {
                    System.err.println("starting from the teacher's kept channels; " + start.describe());
                }
            }
            torch.manual_seed(data.seed);
            DistillModel model = start != null ? new DistillModel(start.student(), tc.spec())
                    : new DistillModel(spec, tc.spec());
            // Each rank runs the frozen teacher on its own shards: within one run no batch comes again (every step
            // augments its crops afresh), so nothing is remembered.
            Distillation.Weights lossWeights = new Distillation.Weights(weights.get(0), weights.get(1), weights.get(2),
                    weights.get(3), t0, stages);
            Distillation objective = new Distillation(TeacherPass.of(teacher), model, lossWeights, fit.steps,
                    TorchOps::new, start);
            new FitLoop(model, settings, out, world, fit.microBatches,
                    start == null ? name -> 1 : start::parameterMultiplier)
                    .run(d.samples(), d.classes().size(), objective, fit.until());
            if (world.leads()) {
                System.out.println("distilled " + out.resolve("model.pt"));
            }
        }
        return 0;
    }

    private static int parseDepth(String text, int teacherDepth) {
        if (text.equals("teacher")) {
            return teacherDepth;
        }
        try {
            int d = Integer.parseInt(text.trim());
            if (d >= 0) {
                return d;
            }
        } catch (NumberFormatException e) {
            // said below
        }
        throw new IllegalArgumentException("--depth: expected a number >= 0 or 'teacher', got '" + text + "'");
    }

    private static DetectorSpec parse(String text, int classes, int depth) {
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
