package com.edgeinspect.trainer.cli;

import com.edgeinspect.trainer.distill.DistillModel;
import com.edgeinspect.trainer.distill.Distillation;
import com.edgeinspect.trainer.distill.TeacherPass;
import com.edgeinspect.trainer.model.Detector;
import com.edgeinspect.trainer.quant.QuantModel;
import com.edgeinspect.trainer.quant.QuantOps;
import com.edgeinspect.trainer.train.Batch;
import com.edgeinspect.trainer.train.Checkpoints;
import com.edgeinspect.trainer.train.FitLoop;
import com.edgeinspect.trainer.train.RunConfig;
import com.edgeinspect.trainer.train.Sample;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.InputArchive;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code trainer quantize}: INT8 by quantisation-aware distillation. The trained student is BatchNorm-folded, its
 * convolution inputs are calibrated on training crops, then it is fine-tuned with fake quantisation under the same
 * four-term loss from the float teacher. {@code --steps 0} stops after calibration: post-training quantisation, the
 * baseline the fine-tune is measured against.
 */
@Command(name = "quantize", mixinStandardHelpOptions = true,
        description = "INT8 student: fold BatchNorm, calibrate activation scales, fine-tune with fake quantisation "
                + "distilled from the teacher (--steps 0: calibration only). Export the run for a QDQ ONNX model.")
final class QuantizeCommand implements Callable<Integer> {

    @Mixin
    DataOptions data;

    @Option(names = "--student", required = true, description = "the trained float student's run directory")
    Path studentRun;

    @Option(names = "--teacher", required = true, description = "the teacher's run directory")
    Path teacherRun;

    @Option(names = "--out", required = true, description = "run directory")
    Path out;

    @Option(names = "--steps", defaultValue = "1000", description = "fine-tuning steps; 0 = calibration only (default ${DEFAULT-VALUE})")
    int steps;

    @Option(names = "--batch", defaultValue = "8", description = "crops per step (default ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--lr", defaultValue = "2e-5",
            description = "peak learning rate, a hundredth of training's: the weights only settle into the grid; a tenth (2e-4) cost 1.3 points mAP@0.5 (default ${DEFAULT-VALUE})")
    double lr;

    @Option(names = "--calibration", defaultValue = "32", description = "calibration batches (default ${DEFAULT-VALUE})")
    int calibration;

    @Option(names = "--temperature", defaultValue = "1",
            description = "distillation temperature, constant: the student is already trained (default ${DEFAULT-VALUE})")
    double temperature;

    @Override
    public Integer call() throws Exception {
        RunConfig sc = RunConfig.read(studentRun);
        RunConfig tc = RunConfig.read(teacherRun);
        if (!sc.classes().equals(tc.classes())) {
            throw new IllegalArgumentException("classes of the student " + sc.classes() + " differ from the teacher's "
                    + tc.classes());
        }
        DataOptions.Loaded d = data.load().requireClasses(sc.classes(), "the student's");
        FitLoop.Settings settings = new FitLoop.Settings(steps, batch, lr, 1e-4, Math.min(100, steps / 10 + 1),
                data.seed, 200);
        Files.createDirectories(out);
        QuantModel q = QuantModel.fold(Checkpoints.load(studentRun), adapters(sc), tc.spec());
        if (!FitLoop.hasCheckpoint(out)) { // a resumed run's scales come with its checkpoint
            calibrate(q, d.samples(), d.classes().size());
        }
        new RunConfig(Checkpoints.QUANTIZE, d.classes(), sc.spec(), settings, d.sources(), data.crop, tc.spec())
                .write(out);
        Detector teacher = Checkpoints.load(teacherRun);
        Distillation objective = new Distillation(TeacherPass.of(teacher), q.distillModel(),
                new Distillation.Weights(0.5, 0.3, 0.15, 0.05, temperature, 1), steps, () -> new QuantOps(q), null);
        new FitLoop(q, settings, out).run(d.samples(), d.classes().size(), objective);
        System.out.println("quantised " + out.resolve("model.pt") + "; export it for the int8 QDQ model");
        return 0;
    }

    /** A distilled student's feature adapters, so the feature loss continues where distillation left it. */
    private DistillModel adapters(RunConfig sc) throws java.io.IOException {
        if (sc.teacher() == null) {
            return null;
        }
        DistillModel m = new DistillModel(sc.spec(), sc.teacher());
        InputArchive a = new InputArchive();
        a.load_from(studentRun.resolve("model.pt").toString());
        m.load(a);
        return m;
    }

    private void calibrate(QuantModel q, List<Sample> samples, int classes) {
        Random r = new Random(data.seed);
        q.calibrating(true);
        try (Progress p = new Progress("calibrate", calibration, "batches"); NoGradGuard g = new NoGradGuard()) {
            for (int i = 0; i < calibration; i++) {
                try (PointerScope scope = new PointerScope()) {
                    List<Sample> picked = new ArrayList<>(batch);
                    for (int k = 0; k < batch; k++) {
                        picked.add(samples.get(r.nextInt(samples.size())));
                    }
                    Tensor image = Batch.of(picked, classes, r, false).image();
                    q.student().describe(new QuantOps(q), image);
                }
                p.step(1, "");
            }
        } finally {
            q.calibrating(false);
        }
    }
}
