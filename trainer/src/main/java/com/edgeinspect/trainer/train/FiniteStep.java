package com.edgeinspect.trainer.train;

import java.util.Locale;
import java.util.function.Supplier;

/**
 * Whether a computed optimiser step may reach the weights. On some CPUs (virtual machines among them) libtorch now and
 * then computes NaN where the same step, computed again from the same weights and batch, is finite: such a step is
 * computed again, up to {@link #ATTEMPTS} times in all, each time said on stderr. A step non-finite every time
 * diverges for real (e.g. a learning rate too high for the data) and stops before the weights are touched.
 */
public final class FiniteStep {

    /** Times a step whose loss or gradients are not finite is computed before the caller stops. */
    public static final int ATTEMPTS = 5;

    private FiniteStep() {}

    /**
     * True when the loss and the gradients' norm are both finite; false, said on stderr, when the step is to be
     * computed again.
     *
     * @param where the step, as the error names it (run, step, terms); described only when it is not finite
     * @param attempt 1 for a step's first computation
     * @throws IllegalStateException when the step was non-finite {@link #ATTEMPTS} times
     */
    public static boolean check(Supplier<String> where, double loss, double gradients, int attempt) {
        if (Double.isFinite(loss) && Double.isFinite(gradients)) {
            return true;
        }
        String what = String.format(Locale.ROOT, "%s: the loss is %s, the gradients' norm %s", where.get(), loss,
                gradients);
        if (attempt < ATTEMPTS) {
            System.err.println(what + "; computing the step again from the same weights (attempt " + (attempt + 1)
                    + " of " + ATTEMPTS + ")");
            return false;
        }
        throw new IllegalStateException(String.format(Locale.ROOT, "%s, the same %d times: stopped before the weights "
                + "were touched. A learning rate too high for the data diverges so; so does libtorch on a CPU whose "
                + "vector kernels are unsound (trainer/trainer caps oneDNN with DNNL_MAX_CPU_ISA=AVX2, here %s; "
                + "OMP_NUM_THREADS here %s)", what, ATTEMPTS, System.getenv().getOrDefault("DNNL_MAX_CPU_ISA",
                "unset"), System.getenv().getOrDefault("OMP_NUM_THREADS", "unset")));
    }
}
