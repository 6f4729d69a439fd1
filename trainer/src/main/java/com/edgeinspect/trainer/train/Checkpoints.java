package com.edgeinspect.trainer.train;

import com.edgeinspect.trainer.distill.DistillModel;
import com.edgeinspect.trainer.model.Detector;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.bytedeco.pytorch.InputArchive;

/** Loads the trained network of a run directory. */
public final class Checkpoints {

    private Checkpoints() {}

    public static Detector load(Path runDir) throws IOException {
        RunConfig c = RunConfig.read(runDir);
        Path weights = runDir.resolve("model.pt");
        if (!Files.isRegularFile(weights)) {
            throw new IOException(runDir + ": no model.pt (training has not checkpointed yet)");
        }
        InputArchive a = new InputArchive();
        a.load_from(weights.toString());
        Detector d;
        if (c.teacher() != null) {
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
}
