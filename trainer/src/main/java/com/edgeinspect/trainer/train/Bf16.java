package com.edgeinspect.trainer.train;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * libtorch's CPU autocast to bfloat16 for this thread while open: convolutions and matrix products run in bfloat16
 * (AMX or AVX-512 BF16 kernels where the CPU has them: about twice the teacher's steps per second on a Xeon with AMX,
 * BENCHMARKS.md), everything else as its inputs are. Weights, gradients and optimiser state stay float, and the loss
 * functions take the network's outputs to float first, so only the forward arithmetic is rounded. On a CPU without
 * those instructions bfloat16 is emulated and slower.
 */
public final class Bf16 implements AutoCloseable {

    private Bf16() {}

    public static Bf16 open() {
        torch.set_autocast_dtype(torch.DeviceType.CPU, torch.ScalarType.BFloat16);
        torch.set_autocast_enabled(torch.DeviceType.CPU, true);
        return new Bf16();
    }

    /** A network output taken to float for the loss (unchanged if it is float already). */
    public static Tensor f32(Tensor t) {
        return t.to(torch.ScalarType.Float);
    }

    /**
     * Ends the scope and drops autocast's cache of bfloat16 weight copies: kept, the next step would reuse the
     * copies of weights the optimiser has changed since (the network would stop learning).
     */
    @Override
    public void close() {
        torch.set_autocast_enabled(torch.DeviceType.CPU, false);
        torch.clear_cache();
    }
}
