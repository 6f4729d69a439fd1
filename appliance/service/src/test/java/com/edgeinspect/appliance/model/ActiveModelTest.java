package com.edgeinspect.appliance.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.edgeinspect.appliance.config.ApplianceConfig;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Swapping models between frames with real ONNX Runtime sessions: nothing is closed under a running frame. */
class ActiveModelTest {

    static LoadedModel load() throws Exception {
        ApplianceConfig.Model c = new ApplianceConfig.Model(null,
                List.of(TestBundles.DEMO_KEY.toString()), null, null, List.of("cpu"), 1, null,
                null, null, null, null);
        return new ModelLoader(c).load(TestBundles.FACTORY);
    }

    static boolean runs(LoadedModel m) {
        try {
            m.detector().detect(new byte[64 * 64 * 3], 64, 64);
            return true;
        } catch (Exception | Error e) {
            return false;
        }
    }

    @Test
    void aFrameInFlightFinishesOnTheOldModelWhichClosesAfterwards() throws Exception {
        LoadedModel first = load();
        LoadedModel second = load();
        try (ActiveModel active = new ActiveModel(first)) {
            ActiveModel.Use inFlight = active.use();
            assertThat(active.swap(second)).isSameAs(first);
            try (ActiveModel.Use next = active.use()) {
                assertThat(next.model()).isSameAs(second);
            }
            assertThat(runs(inFlight.model())).as("old model still open for its frame").isTrue();
            inFlight.close();
            inFlight.close(); // idempotent
            assertThat(runs(first)).as("old model closed after its last frame").isFalse();
            assertThat(runs(second)).isTrue();
        }
        assertThat(runs(second)).as("closed with the appliance").isFalse();
    }

    @Test
    void anUnusedModelClosesAtOnceAndNoUseAfterShutdown() throws Exception {
        LoadedModel first = load();
        ActiveModel active = new ActiveModel(first);
        active.swap(load());
        assertThat(runs(first)).isFalse();
        active.close();
        assertThatThrownBy(active::use).hasMessageContaining("shutting down");
    }
}
