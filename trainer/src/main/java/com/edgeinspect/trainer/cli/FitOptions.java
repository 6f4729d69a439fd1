package com.edgeinspect.trainer.cli;

import com.edgeinspect.trainer.train.FitLoop;
import picocli.CommandLine.Option;

/** The optimisation options shared by every stage that trains. */
final class FitOptions {

    @Option(names = "--steps", defaultValue = "3000", description = "optimiser steps (default ${DEFAULT-VALUE})")
    int steps;

    @Option(names = "--batch", defaultValue = "8", description = "crops per step (default ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--lr", defaultValue = "2e-3", description = "peak learning rate (default ${DEFAULT-VALUE})")
    double lr;

    @Option(names = "--stop-after", description = "stop (with a checkpoint) after this step; rerun to resume")
    Integer stopAfter;

    /** AdamW with weight decay 1e-4, warm-up over a tenth of the run (at most 200 steps), checkpoints every 200. */
    FitLoop.Settings settings(long seed) {
        return new FitLoop.Settings(steps, batch, lr, 1e-4, Math.min(200, steps / 10 + 1), seed, 200);
    }

    int until() {
        return stopAfter == null ? steps : stopAfter;
    }
}
