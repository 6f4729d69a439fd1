package com.edgeinspect.trainer.train;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;

/** Safe access to libtorch's tensor vectors from Java. */
public final class Tensors {

    private Tensors() {}

    /**
     * Handles of their own on a vector's tensors (the same tensors, not copies). {@code TensorVector.get} points into
     * the vector, whose memory is freed when the collector takes it, e.g. the unnamed result of
     * {@code module.parameters()} while a loop over its elements still runs.
     */
    public static Tensor[] of(TensorVector v) {
        Tensor[] out = new Tensor[(int) v.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = new Tensor(v.get(i));
        }
        java.lang.ref.Reference.reachabilityFence(v);
        return out;
    }
}
