package com.edgeinspect.trainer.cli;

import com.edgeinspect.trainer.gate.GateThreshold;
import com.edgeinspect.trainer.gate.GateTraining;
import com.edgeinspect.trainer.model.Detector;
import com.edgeinspect.trainer.model.Gate;
import com.edgeinspect.trainer.train.Checkpoints;
import com.edgeinspect.trainer.train.FitLoop;
import com.edgeinspect.trainer.train.RunConfig;
import com.edgeinspect.trainer.train.Sample;
import com.edgeinspect.trainer.train.SampleSets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.bytedeco.pytorch.global.torch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code trainer gate}: an early-exit gate for a trained student, and its threshold. */
@Command(name = "gate", mixinStandardHelpOptions = true,
        description = "Train the early-exit gate of a float student run (the student stays frozen) into RUN/gate and "
                + "calibrate its threshold; export and bundle then include the two-graph form. Resumes.")
final class GateCommand implements Callable<Integer> {

    @Mixin
    DataOptions data;

    @Mixin
    FitOptions fit;

    @Option(names = "--run", required = true, description = "the student's run directory (train-teacher or distill)")
    Path run;

    @Option(names = "--recall", defaultValue = "0.95",
            description = "share of the defects (one per frame each is seen in) whose region the threshold runs the "
                    + "heads on (default ${DEFAULT-VALUE})")
    double recall;

    @Option(names = "--calibration-videos", split = ",",
            description = "annotated clips of the line as it runs, mostly clean, to set the threshold on (default: "
                    + "--videos; training clips rich in defects may hold no clean frame at all)")
    List<Path> calibrationVideos;

    @Option(names = "--calibration-every", defaultValue = "16",
            description = "the threshold is set on whole frames: one in N of each clip (default ${DEFAULT-VALUE})")
    int calibrationEvery;

    @Override
    public Integer call() throws Exception {
        if (!(recall > 0 && recall <= 1)) {
            throw new IllegalArgumentException("--recall: must be in (0, 1], got " + recall);
        }
        RunConfig sc = RunConfig.read(run);
        if (sc.stage().equals(Checkpoints.QUANTIZE)) {
            throw new IllegalArgumentException(run + ": early exit is built for float students; gate the run that "
                    + "was quantised instead");
        }
        Detector student = Checkpoints.load(run);
        Gate gate = train(student, sc);
        if (fit.until() < fit.steps) {
            return 0;
        }
        List<Path> clips = calibrationVideos != null ? calibrationVideos : data.videos;
        if (clips.isEmpty()) {
            throw new IllegalArgumentException("the gate's threshold is set on whole frames of annotated clips: give "
                    + "--calibration-videos");
        }
        List<Sample> frames = SampleSets.wholeFrames(clips, calibrationEvery, DataOptions.MIN_VISIBLE);
        GateThreshold t;
        try (Progress p = new Progress("threshold", frames.size(), "frames")) {
            t = GateThreshold.calibrate(student, gate, frames, sc.classes().size(), recall, p::step);
        }
        t.write(run);
        System.out.println("| defects covered | threshold | clean frames that exit |");
        System.out.println("|---|---|---|");
        for (GateThreshold.Point p : t.curve()) {
            System.out.printf(Locale.ROOT, "| %.3f | %.3f | %.3f |%n", p.recall(), p.threshold(), p.cleanExits());
        }
        System.out.printf(Locale.ROOT, "gate threshold %.3f: %.1f%% of %d defects covered, %.1f%% of %d "
                + "clean frames exit (another point: trainer bundle --gate-threshold); %s%n", t.threshold(),
                100 * t.recall(), t.defective(), 100 * t.cleanExits(), t.clean(), GateThreshold.file(run));
        return 0;
    }

    /**
     * Trains the gate on the training crops, which are garbage once it returns: the calibration's whole frames need
     * the room (160 clips' crops at 256 px take 12 GB).
     */
    private Gate train(Detector student, RunConfig sc) throws Exception {
        DataOptions.Loaded d = data.load().requireClasses(sc.classes(), "the run's");
        Path dir = GateThreshold.dir(run);
        Files.createDirectories(dir);
        FitLoop.Settings settings = fit.settings(data.seed);
        new RunConfig("gate", d.classes(), sc.spec(), settings, d.sources(), data.crop, null).write(dir);
        torch.manual_seed(data.seed);
        Gate gate = new Gate(sc.spec());
        new FitLoop(gate, settings, dir).run(d.samples(), d.classes().size(), new GateTraining(student, gate),
                fit.until());
        return gate;
    }
}
