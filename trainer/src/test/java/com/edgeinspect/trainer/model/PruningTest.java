package com.edgeinspect.trainer.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

/** Channel pruning keeps the network's function where it keeps every channel, and the important ones otherwise. */
class PruningTest {

    static final DetectorSpec WIDE = new DetectorSpec(5, new int[] {16, 24, 32, 48}, 1, 16);

    @Test
    void keepingEveryChannelKeepsTheFunction() {
        Detector base = trained();
        Detector same = Pruning.prune(base, WIDE);
        Tensor x = torch.randn(1, 3, 64, 96);
        try (NoGradGuard g = new NoGradGuard()) {
            base.eval();
            same.eval();
            Tensor a = base.describe(new TorchOps(), x).heatmapLogits();
            Tensor b = same.describe(new TorchOps(), x).heatmapLogits();
            assertThat(a.sub(b).abs().max().item_float()).isLessThan(1e-5f);
        }
    }

    @Test
    void aNarrowerMemberKeepsTheMostImportantChannelsAndRuns() {
        Detector base = trained();
        DetectorSpec narrow = new DetectorSpec(5, new int[] {8, 16, 16, 24}, 1, 8);
        Detector pruned = Pruning.prune(base, narrow);
        // Stage 2's group: the 16 channels of the highest summed importance, in their original order.
        float[] importance = Pruning.importance(base).get(2);
        Integer[] order = new Integer[importance.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        java.util.Arrays.sort(order, (a, b) -> Float.compare(importance[b], importance[a]));
        int[] expected = java.util.Arrays.stream(order).limit(16).mapToInt(Integer::intValue).sorted().toArray();
        float[] gamma = Conv.floats(base.layers().get("s2_conv0").bn.weight());
        float[] kept = Conv.floats(pruned.layers().get("s2_conv0").bn.weight());
        for (int i = 0; i < expected.length; i++) {
            assertThat(kept[i]).isEqualTo(gamma[expected[i]]);
        }
        try (NoGradGuard g = new NoGradGuard()) {
            pruned.eval();
            assertThat(pruned.describe(new TorchOps(), torch.randn(1, 3, 64, 96)).heatmapLogits().shape())
                    .containsExactly(1, 5, 16, 24);
        }
    }

    @Test
    void theShapeArithmeticIsTheFamilys() {
        // The figures BENCHMARKS.md gives per 1920x1088 frame.
        assertThat(DetectorSpec.student(5).macs(1088, 1920) / 1e9).isCloseTo(7.91, within(0.01));
        assertThat(DetectorSpec.teacher(5).macs(1088, 1920) / 1e9).isCloseTo(51.96, within(0.01));
        long params = 0;
        TensorVector p = new Detector(WIDE).parameters();
        for (long i = 0; i < p.size(); i++) {
            params += p.get(i).numel();
        }
        assertThat(WIDE.parameters()).as("weights and biases (BatchNorm's pair counted as one bias)")
                .isBetween((long) (params * 0.95), params);
    }

    /** Random weights and BatchNorm statistics unlike their defaults, so pruning has something to choose from. */
    private static Detector trained() {
        torch.manual_seed(5);
        Detector d = new Detector(WIDE);
        d.train(true);
        for (int i = 0; i < 3; i++) {
            d.describe(new TorchOps(), torch.randn(2, 3, 64, 96).mul(new Scalar(0.7)));
        }
        try (NoGradGuard g = new NoGradGuard()) {
            TensorVector params = d.parameters();
            for (long i = 0; i < params.size(); i++) {
                params.get(i).add_(torch.randn(params.get(i).sizes()).mul(new Scalar(0.1)));
            }
        }
        return d;
    }
}
