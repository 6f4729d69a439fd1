package com.edgeinspect.trainer.train;

import com.edgeinspect.trainer.distill.DistillModel;
import com.edgeinspect.trainer.gate.GateThreshold;
import com.edgeinspect.trainer.model.Detector;
import com.edgeinspect.trainer.model.Gate;
import com.edgeinspect.trainer.quant.QuantModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.bytedeco.pytorch.InputArchive;

/** Loads the trained network of a run directory. */
public final class Checkpoints {

    /** The stage name of quantisation runs (see {@link RunConfig#stage()}). */
    public static final String QUANTIZE = "quantize";

    private Checkpoints() {}

    public static Detector load(Path runDir) throws IOException {
        RunConfig c = RunConfig.read(runDir);
        InputArchive a = archive(runDir);
        Detector d;
        if (c.stage().equals(QUANTIZE)) {
            QuantModel q = new QuantModel(c.spec(), c.teacher());
            q.load(a);
            d = q.student();
        } else if (c.teacher() != null) {
            DistillModel m = new DistillModel(c.spec(), c.teacher());
            m.load(a);
            d = m.student();
        } else {
            d = new Detector(c.spec());
            d.load(a);
        }
        d.eval();
        return d;
    }

    /** The network of a {@code quantize} run with its calibrated input scales. */
    public static QuantModel loadQuantized(Path runDir) throws IOException {
        RunConfig c = RunConfig.read(runDir);
        if (!c.stage().equals(QUANTIZE)) {
            throw new IOException(runDir + ": a " + c.stage() + " run, not a " + QUANTIZE + " run");
        }
        QuantModel q = new QuantModel(c.spec(), c.teacher());
        q.load(archive(runDir));
        if (!q.hasEveryPoint()) {
            throw new IOException(runDir + ": a quantised student without scales for the neck's adds and the heads' "
                    + "outputs (quantised by an older trainer); quantize the student again");
        }
        q.eval();
        return q;
    }

    /** The early-exit gate trained for a student run ({@code trainer gate}). */
    public static Gate loadGate(Path studentRun) throws IOException {
        Gate g = new Gate(RunConfig.read(studentRun).spec());
        InputArchive a = archive(GateThreshold.dir(studentRun));
        try {
            g.load(a);
        } catch (RuntimeException e) {
            throw new IOException(GateThreshold.dir(studentRun) + ": not a gate of this trainer's design (gates "
                    + "trained before the first-stage gate read deeper stages); train it again with trainer gate", e);
        }
        g.eval();
        return g;
    }

    private static InputArchive archive(Path runDir) throws IOException {
        Path weights = runDir.resolve("model.pt");
        if (!Files.isRegularFile(weights)) {
            throw new IOException(runDir + ": no model.pt (training has not checkpointed yet)");
        }
        InputArchive a = new InputArchive();
        a.load_from(weights.toString());
        return a;
    }
}
