package com.edgeinspect.trainer.search;

import org.bytedeco.pytorch.LinearImpl;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Separate policy and value networks, two tanh layers each. The policy's last layer starts 100x smaller, so the
 * first policy is near uniform and exploration does not depend on the initialisation.
 */
final class ActorCritic extends Module {

    private final LinearImpl[] actor = new LinearImpl[3];
    private final LinearImpl[] critic = new LinearImpl[3];

    ActorCritic(int observations, int actions, int hidden) {
        int[] in = {observations, hidden, hidden};
        int[] outActor = {hidden, hidden, actions};
        int[] outCritic = {hidden, hidden, 1};
        for (int i = 0; i < 3; i++) {
            actor[i] = register_module("actor" + i, new LinearImpl(in[i], outActor[i]));
            critic[i] = register_module("critic" + i, new LinearImpl(in[i], outCritic[i]));
        }
        try (NoGradGuard g = new NoGradGuard()) {
            actor[2].weight().mul_(new Scalar(0.01));
            actor[2].bias().zero_();
        }
    }

    /** Action log-probabilities {@code [N, actions]}. */
    Tensor logits(Tensor obs) {
        return torch.log_softmax(mlp(actor, obs), 1);
    }

    /** State values {@code [N]}. */
    Tensor value(Tensor obs) {
        return mlp(critic, obs).squeeze(1);
    }

    private static Tensor mlp(LinearImpl[] layers, Tensor x) {
        Tensor h = torch.tanh(layers[0].forward(x));
        h = torch.tanh(layers[1].forward(h));
        return layers[2].forward(h);
    }
}
