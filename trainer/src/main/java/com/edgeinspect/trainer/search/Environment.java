package com.edgeinspect.trainer.search;

/** An episodic task with discrete actions, as the PPO agent sees it. */
public interface Environment {

    int observationSize();

    int actions();

    /** Starts an episode; the seed makes every random choice of the episode reproducible. */
    float[] reset(long seed);

    Step step(int action);

    /** What one action led to. */
    record Step(float[] observation, double reward, boolean done) {}
}
