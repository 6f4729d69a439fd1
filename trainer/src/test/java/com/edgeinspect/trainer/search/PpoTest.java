package com.edgeinspect.trainer.search;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** PPO on small tasks whose solutions are known: it must find them for every seed tried. */
class PpoTest {

    static Ppo.Settings settings(long seed) {
        return new Ppo.Settings(128, 4, 32, 3e-3, 0.99, 0.95, 0.2, 0.5, 0.01, 0.5, 32, seed);
    }

    /** Four arms with noisy rewards; the third is best. One step per episode. */
    static final class Bandit implements Environment {
        static final double[] MEANS = {0.2, 0.5, 0.9, 0.4};
        private SplittableRandom r;

        @Override
        public int observationSize() {
            return 1;
        }

        @Override
        public int actions() {
            return MEANS.length;
        }

        @Override
        public float[] reset(long seed) {
            r = new SplittableRandom(seed);
            return new float[] {1};
        }

        @Override
        public Step step(int action) {
            double noise = (r.nextDouble() - 0.5) * 0.6;
            return new Step(new float[] {1}, MEANS[action] + noise, true);
        }
    }

    /**
     * Positions 0..6, start at 2. Left to 0 ends with +0.1 in two steps, right to 6 ends with +1 in four; each step
     * costs 0.01; 30 steps at most. The near reward is a trap: the best policy always goes right.
     */
    static final class Corridor implements Environment {
        static final int LENGTH = 7;
        static final int START = 2;
        private int pos;
        private int steps;

        @Override
        public int observationSize() {
            return LENGTH;
        }

        @Override
        public int actions() {
            return 2;
        }

        @Override
        public float[] reset(long seed) {
            pos = START;
            steps = 0;
            return obs();
        }

        @Override
        public Step step(int action) {
            pos += action == 1 ? 1 : -1;
            steps++;
            if (pos == 0) {
                return new Step(obs(), 0.1 - 0.01, true);
            }
            if (pos == LENGTH - 1) {
                return new Step(obs(), 1 - 0.01, true);
            }
            return new Step(obs(), -0.01, steps >= 30);
        }

        private float[] obs() {
            float[] o = new float[LENGTH];
            o[pos] = 1;
            return o;
        }
    }

    @org.junit.jupiter.api.Test
    void aSeedGivesTheSameRunTwice() {
        Ppo a = new Ppo(Corridor.LENGTH, 2, settings(9));
        Ppo b = new Ppo(Corridor.LENGTH, 2, settings(9));
        for (int i = 0; i < 3; i++) {
            assertThat(a.step(new Corridor())).isEqualTo(b.step(new Corridor()));
        }
        assertThat(a.probabilities(new Corridor().reset(0))).containsExactly(b.probabilities(new Corridor().reset(0)));
    }

    @org.junit.jupiter.api.Test
    void aNonFiniteObjectiveStopsTheUpdateBeforeThePolicyTurnsNaN() {
        Ppo ppo = new Ppo(1, 4, settings(1));
        Environment broken = new Environment() {
            @Override
            public int observationSize() {
                return 1;
            }

            @Override
            public int actions() {
                return 4;
            }

            @Override
            public float[] reset(long seed) {
                return new float[] {1};
            }

            @Override
            public Step step(int action) {
                return new Step(new float[] {1}, Double.NaN, true); // e.g. an accuracy estimate that failed
            }
        };

        assertThatThrownBy(() -> ppo.step(broken)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("PPO update 0, epoch 0").hasMessageContaining("the same 5 times");
        // Without the check the NaN gradients would have reached the weights through the optimiser step.
        assertThat(java.util.Arrays.stream(ppo.probabilities(new float[] {1}))).allMatch(Double::isFinite);
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5})
    void banditFindsTheBestArm(long seed) {
        Bandit env = new Bandit();
        Ppo ppo = new Ppo(1, 4, settings(seed));
        for (int i = 0; i < 25; i++) {
            ppo.step(env);
        }
        assertThat(ppo.probabilities(new float[] {1})[2]).as("probability of the best arm").isGreaterThan(0.9);
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5})
    void corridorLearnsToWalkPastTheNearRewardToTheFarOne(long seed) {
        Corridor env = new Corridor();
        Ppo ppo = new Ppo(Corridor.LENGTH, 2, settings(seed));
        Ppo.Update last = null;
        for (int i = 0; i < 40; i++) {
            last = ppo.step(env);
        }
        float[] o = env.reset(0);
        double total = 0;
        for (int t = 0; t < 30; t++) {
            Environment.Step st = env.step(ppo.greedy(o));
            total += st.reward();
            o = st.observation();
            if (st.done()) {
                break;
            }
        }
        assertThat(total).as("greedy return (best: 4 steps right = 0.96)").isCloseTo(0.96, within(1e-9));
        assertThat(last.meanReturn()).as("mean return of the last rollout's episodes").isGreaterThan(0.85);
    }
}
