package com.edgeinspect.trainer.distill;

import com.edgeinspect.trainer.model.Conv;
import com.edgeinspect.trainer.model.Detector;
import com.edgeinspect.trainer.model.DetectorSpec;
import java.util.List;
import org.bytedeco.pytorch.Module;

/**
 * What distillation trains: the student plus the 1x1 adapters that map its feature taps onto the teacher's channels.
 * The adapters exist only for the feature loss and are not exported.
 */
public final class DistillModel extends Module {

    /** Feature taps distilled, shallow to deep: the same names in teacher and student. */
    public static final List<String> TAPS = List.of("stage2", "stage3", "neck");

    private final Detector student;
    private final Conv[] adapters = new Conv[TAPS.size()];

    public DistillModel(DetectorSpec student, DetectorSpec teacher) {
        this(new Detector(student), teacher);
    }

    public DistillModel(Detector studentNet, DetectorSpec teacher) {
        this.student = register_module("student", studentNet);
        DetectorSpec student = studentNet.spec();
        int[] s = {student.widths()[2], student.widths()[3], student.neckWidth()};
        int[] t = {teacher.widths()[2], teacher.widths()[3], teacher.neckWidth()};
        for (int i = 0; i < adapters.length; i++) {
            adapters[i] = register_module("adapt_" + TAPS.get(i), Conv.adapter(s[i], t[i]));
        }
    }

    public Detector student() {
        return student;
    }

    public Conv adapter(int tap) {
        return adapters[tap];
    }
}
