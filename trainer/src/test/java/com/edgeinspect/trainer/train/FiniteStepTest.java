package com.edgeinspect.trainer.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class FiniteStepTest {

    @Test
    void aFiniteStepPasses() {
        assertThat(FiniteStep.check(() -> "run, step 1", 0.5, 12.0, 1)).isTrue();
        assertThat(FiniteStep.check(() -> "run, step 1", 0.5, 12.0, FiniteStep.ATTEMPTS)).isTrue();
    }

    @Test
    void aNonFiniteStepIsComputedAgainUntilTheLastAttemptThenStopsNamingIt() {
        for (int attempt = 1; attempt < FiniteStep.ATTEMPTS; attempt++) {
            assertThat(FiniteStep.check(() -> "run, step 7", 0.5, Double.NaN, attempt)).isFalse();
            assertThat(FiniteStep.check(() -> "run, step 7", Double.POSITIVE_INFINITY, 1.0, attempt)).isFalse();
        }
        assertThatThrownBy(() -> FiniteStep.check(() -> "run, step 7", Double.NaN, 1.0, FiniteStep.ATTEMPTS))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("run, step 7")
                .hasMessageContaining("the loss is NaN").hasMessageContaining("the same 5 times")
                .hasMessageContaining("DNNL_MAX_CPU_ISA");
    }
}
