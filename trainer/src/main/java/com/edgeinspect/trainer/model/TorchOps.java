package com.edgeinspect.trainer.model;

import java.util.LinkedHashMap;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;

/** {@link Ops} computed with libtorch; collects the feature taps of the pass. */
public class TorchOps implements Ops<Tensor> {

    private final Map<String, Tensor> taps = new LinkedHashMap<>();

    public Map<String, Tensor> taps() {
        return taps;
    }

    @Override
    public Tensor conv(Tensor x, Conv layer) {
        return layer.forward(x);
    }

    @Override
    public Tensor relu(Tensor x) {
        return org.bytedeco.pytorch.global.torch.relu(x);
    }

    @Override
    public Tensor add(Tensor a, Tensor b) {
        return a.add(b);
    }

    @Override
    public Tensor upsample2(Tensor x) {
        long[] s = x.shape();
        return org.bytedeco.pytorch.global.torch.upsample_nearest2d(x, s[2] * 2, s[3] * 2);
    }

    @Override
    public Tensor sigmoid(Tensor x) {
        return org.bytedeco.pytorch.global.torch.sigmoid(x);
    }

    @Override
    public void tap(String name, Tensor x) {
        taps.put(name, x);
    }
}
