package com.edgeinspect.trainer.model;

/**
 * The operations the detector is made of. {@link Detector#describe} states the network once in terms of these, and
 * each implementation gives it a meaning: {@link TorchOps} computes it with libtorch (training), the ONNX exporter
 * writes it as graph nodes. So the exported graph cannot drift from the trained one.
 *
 * @param <T> what flows between operations: a tensor, or the name of a graph value
 */
public interface Ops<T> {

    /** Convolution with its BatchNorm, if it has one. */
    T conv(T x, Conv layer);

    T relu(T x);

    T add(T a, T b);

    /** Nearest-neighbour upsampling by 2 in both directions. */
    T upsample2(T x);

    T sigmoid(T x);

    /** Marks an intermediate value that distillation may read (a feature tap). */
    void tap(String name, T x);
}
