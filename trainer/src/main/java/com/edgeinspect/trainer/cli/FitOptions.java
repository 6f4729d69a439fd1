package com.edgeinspect.trainer.cli;

import com.edgeinspect.trainer.dist.World;
import com.edgeinspect.trainer.train.FitLoop;
import picocli.CommandLine.Option;

/** The optimisation options shared by every stage that trains. */
final class FitOptions {

    /** How long ranks wait for each other: at the rendezvous, and at each step (a slow teacher forward included). */
    private static final java.time.Duration TIMEOUT = java.time.Duration.ofMinutes(10);

    @Option(names = "--steps", defaultValue = "3000", description = "optimiser steps (default ${DEFAULT-VALUE})")
    int steps;

    @Option(names = "--batch", defaultValue = "8", description = "crops per step (default ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--lr", defaultValue = "2e-3", description = "peak learning rate (default ${DEFAULT-VALUE})")
    double lr;

    @Option(names = "--average-decay", defaultValue = "0", description = "deliver the exponential moving average "
            + "of the weights with this decay per step (e.g. 0.9995), not the last step's weights; 0: none "
            + "(default ${DEFAULT-VALUE})")
    double averageDecay;

    @Option(names = "--bf16", description = "run the forward passes in bfloat16 (autocast; weights, optimiser and "
            + "losses stay float): about twice the teacher's steps per second on a Xeon with AMX; slower on a CPU without "
            + "AMX or AVX-512 BF16, where it is emulated")
    boolean bf16;

    @Option(names = "--stop-after", description = "stop (with a checkpoint) after this step; rerun to resume")
    Integer stopAfter;

    @Option(names = "--micro-batches", defaultValue = "1",
            description = "shards of each step's batch this process runs one after another (gradient accumulation)")
    int microBatches;

    @Option(names = "--world-size", description = "processes training together (default: WORLD_SIZE, else 1)")
    Integer worldSize;

    @Option(names = "--rank", description = "this process's rank, 0..world-size-1 (default: RANK)")
    Integer rank;

    @Option(names = "--master", description = "HOST:PORT where rank 0 serves the rendezvous "
            + "(default: MASTER_ADDR:MASTER_PORT)")
    String master;

    /** The processes training together: the options, else the torchrun-style environment, else this one alone. */
    World world() {
        if (worldSize == null) {
            return World.fromEnvironment(System.getenv(), TIMEOUT);
        }
        if (rank == null || master == null || !master.contains(":")) {
            throw new IllegalArgumentException("--world-size needs --rank and --master HOST:PORT");
        }
        int colon = master.lastIndexOf(':');
        return World.join(master.substring(0, colon), Integer.parseInt(master.substring(colon + 1)), rank, worldSize,
                TIMEOUT);
    }

    /** AdamW with weight decay 1e-4, warm-up over a tenth of the run (at most 200 steps), checkpoints every 200. */
    FitLoop.Settings settings(long seed) {
        return new FitLoop.Settings(steps, batch, lr, 1e-4, Math.min(200, steps / 10 + 1), seed, 200, averageDecay,
                bf16);
    }

    int until() {
        return stopAfter == null ? steps : stopAfter;
    }
}
