package com.edgeinspect.trainer.search;

import com.edgeinspect.trainer.model.Conv;
import com.edgeinspect.trainer.train.FiniteStep;
import com.edgeinspect.trainer.train.Tensors;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.AdamW;
import org.bytedeco.pytorch.AdamWOptions;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Proximal policy optimisation (Schulman et al., 2017) for discrete actions: actor-critic, generalised advantage
 * estimation (GAE), the clipped surrogate objective, a value loss and an entropy bonus, several epochs of shuffled
 * minibatches per rollout, running observation normalisation and per-minibatch advantage normalisation, global
 * gradient-norm clipping; a minibatch step whose loss or gradients are not finite is computed again, and stops the
 * search if it stays so ({@link FiniteStep}). Every random draw (actions, shuffles, episode seeds) derives from the
 * seed and the update number, so a run is reproducible and can resume at any update.
 */
public final class Ppo {

    /**
     * @param stepsPerUpdate environment steps collected per update
     * @param epochs passes over each rollout
     * @param minibatch steps per gradient step
     * @param lr Adam learning rate
     * @param gamma discount
     * @param lambda GAE's bias/variance trade-off
     * @param clip the surrogate's ratio clip
     * @param valueCoef weight of the value loss
     * @param entropyCoef weight of the entropy bonus
     * @param maxGradNorm global gradient norm clip
     * @param hidden width of the two hidden layers of each network
     * @param seed seed of every random draw
     */
    public record Settings(int stepsPerUpdate, int epochs, int minibatch, double lr, double gamma, double lambda,
            double clip, double valueCoef, double entropyCoef, double maxGradNorm, int hidden, long seed) {

        public static Settings defaults(long seed) {
            return new Settings(256, 4, 64, 3e-4, 0.99, 0.95, 0.2, 0.5, 0.01, 0.5, 64, seed);
        }
    }

    /**
     * An environment whose episode-end rewards are known only once the rollout is collected, so that the episodes'
     * outcomes can be measured together (in parallel). The actions must not depend on them, which holds when the
     * observations do not.
     */
    public interface Deferred extends Environment {
        /** The terminal rewards of the episodes ended since the last call, in the order they ended. */
        double[] settle();
    }

    /** What one update did: mean episode return of the episodes finished in its rollout, and the losses. */
    public record Update(int index, int episodes, double meanReturn, double policyLoss, double valueLoss,
            double entropy, double approxKl, double clipFraction) {}

    private final Settings s;
    private final ActorCritic net;
    private final AdamW optimizer;
    private final ObservationNorm norm;
    private final int actions;
    private int updates;
    private long episodes;

    public Ppo(int observations, int actions, Settings settings) {
        this.s = settings;
        this.actions = actions;
        torch.manual_seed(settings.seed());
        this.net = new ActorCritic(observations, actions, settings.hidden());
        this.optimizer = new AdamW(net.parameters(), new AdamWOptions(settings.lr()));
        this.optimizer.param_groups().get(0).options().set_lr(settings.lr());
        this.norm = new ObservationNorm(observations);
    }

    /** Action probabilities for an observation, under the current policy. */
    public double[] probabilities(float[] observation) {
        try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
            float[] p = Conv.floats(torch.exp(net.logits(row(norm.apply(observation)))));
            double[] out = new double[p.length];
            for (int i = 0; i < p.length; i++) {
                out[i] = p[i];
            }
            return out;
        }
    }

    /** The most probable action: how a trained policy is used. */
    public int greedy(float[] observation) {
        double[] p = probabilities(observation);
        int best = 0;
        for (int i = 1; i < p.length; i++) {
            best = p[i] > p[best] ? i : best;
        }
        return best;
    }

    /** Collects one rollout from the environment (new episodes as needed) and learns from it. */
    public Update step(Environment env) {
        SplittableRandom r = new SplittableRandom(s.seed() * 1_000_003L + updates);
        int n = s.stepsPerUpdate();
        float[][] obs = new float[n][];
        long[] act = new long[n];
        float[] logp = new float[n];
        float[] values = new float[n + 1];
        float[] rewards = new float[n];
        boolean[] done = new boolean[n];
        List<Double> returns = new ArrayList<>();
        List<Integer> ends = new ArrayList<>();
        float[] o = env.reset(s.seed() * 7_919L + episodes++);
        double episodeReturn = 0;
        for (int t = 0; t <= n; t++) {
            norm.update(o);
            float[] x = norm.apply(o);
            float[] p;
            try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
                Tensor in = row(x);
                p = Conv.floats(torch.exp(net.logits(in)));
                values[t] = net.value(in).item_float();
            }
            if (t == n) {
                break; // the value of the state after the rollout bootstraps its last return
            }
            int a = sample(p, r);
            Environment.Step st = env.step(a);
            obs[t] = x;
            act[t] = a;
            logp[t] = (float) Math.log(Math.max(p[a], 1e-12));
            rewards[t] = (float) st.reward();
            done[t] = st.done();
            episodeReturn += st.reward();
            if (st.done()) {
                returns.add(episodeReturn);
                ends.add(t);
                episodeReturn = 0;
                o = env.reset(s.seed() * 7_919L + episodes++);
            } else {
                o = st.observation();
            }
        }
        if (env instanceof Deferred d) {
            double[] late = d.settle();
            if (late.length != ends.size()) {
                throw new IllegalStateException(late.length + " rewards settled for " + ends.size() + " episodes");
            }
            for (int k = 0; k < late.length; k++) {
                rewards[ends.get(k)] += (float) late[k];
                returns.set(k, returns.get(k) + late[k]);
            }
        }
        float[] adv = new float[n];
        float[] ret = new float[n];
        double gae = 0;
        for (int t = n - 1; t >= 0; t--) {
            double next = done[t] ? 0 : values[t + 1];
            double delta = rewards[t] + s.gamma() * next - values[t];
            gae = delta + (done[t] ? 0 : s.gamma() * s.lambda() * gae);
            adv[t] = (float) gae;
            ret[t] = (float) (gae + values[t]);
        }
        Update u = learn(obs, act, logp, adv, ret, r, returns);
        updates++;
        return u;
    }

    public int updates() {
        return updates;
    }

    private Update learn(float[][] obs, long[] act, float[] oldLogp, float[] adv, float[] ret, SplittableRandom r,
            List<Double> returns) {
        int n = obs.length;
        double[] sums = new double[5];
        int batches = 0;
        net.train(true);
        for (int epoch = 0; epoch < s.epochs(); epoch++) {
            int[] order = permutation(n, r);
            for (int from = 0; from + s.minibatch() <= n; from += s.minibatch()) {
                try (PointerScope scope = new PointerScope()) {
                    int m = s.minibatch();
                    float[] x = new float[m * obs[0].length];
                    long[] a = new long[m];
                    float[] lp = new float[m];
                    float[] ad = new float[m];
                    float[] rt = new float[m];
                    for (int i = 0; i < m; i++) {
                        int k = order[from + i];
                        System.arraycopy(obs[k], 0, x, i * obs[k].length, obs[k].length);
                        a[i] = act[k];
                        lp[i] = oldLogp[k];
                        ad[i] = adv[k];
                        rt[i] = ret[k];
                    }
                    Tensor advantage = torch.tensor(ad);
                    advantage = advantage.sub(advantage.mean()).div(advantage.std().add(new Scalar(1e-8)));
                    Tensor input = torch.tensor(x).view(m, obs[0].length);
                    Tensor actions = torch.tensor(a).view(m, 1);
                    Tensor oldLogpBatch = torch.tensor(lp);
                    Tensor returnsBatch = torch.tensor(rt);
                    int thisEpoch = epoch;
                    int thisFrom = from;
                    Terms t;
                    double norm;
                    for (int attempt = 1; ; attempt++) {
                        t = terms(input, actions, oldLogpBatch, advantage, returnsBatch);
                        optimizer.zero_grad();
                        t.loss().backward();
                        norm = gradientNorm();
                        if (FiniteStep.check(() -> String.format(Locale.ROOT, "PPO update %d, epoch %d, minibatch at "
                                + "%d", updates, thisEpoch, thisFrom), t.loss().item_double(), norm, attempt)) {
                            break;
                        }
                    }
                    clipGradients(norm);
                    optimizer.step();
                    try (NoGradGuard g = new NoGradGuard()) {
                        sums[0] += t.policy().item_float();
                        sums[1] += t.value().item_float();
                        sums[2] += t.entropy().item_float();
                        sums[3] += oldLogpBatch.sub(t.logp()).mean().item_float();
                        sums[4] += t.ratio().sub(new Scalar(1)).abs().gt(new Scalar(s.clip())).to(torch.ScalarType.Float)
                                .mean().item_float();
                    }
                    batches++;
                }
            }
        }
        double mean = returns.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
        return new Update(updates, returns.size(), mean, sums[0] / batches, sums[1] / batches, sums[2] / batches,
                sums[3] / batches, sums[4] / batches);
    }

    /** One minibatch's objective and the parts the update reports. */
    private record Terms(Tensor loss, Tensor policy, Tensor value, Tensor entropy, Tensor ratio, Tensor logp) {}

    private Terms terms(Tensor input, Tensor actions, Tensor oldLogp, Tensor advantage, Tensor returns) {
        Tensor all = net.logits(input);
        Tensor logp = all.gather(1, actions).squeeze(1);
        Tensor ratio = torch.exp(logp.sub(oldLogp));
        Tensor clipped = ratio.clamp(new ScalarOptional(new Scalar(1 - s.clip())),
                new ScalarOptional(new Scalar(1 + s.clip())));
        Tensor policy = torch.min(ratio.mul(advantage), clipped.mul(advantage)).mean().neg();
        Tensor value = net.value(input).sub(returns).pow(new Scalar(2)).mean();
        Tensor entropy = torch.exp(all).mul(all).sum(new long[] {1}, false,
                new org.bytedeco.pytorch.ScalarTypeOptional()).mean().neg();
        Tensor loss = policy.add(value.mul(new Scalar(s.valueCoef()))).sub(entropy.mul(new Scalar(s.entropyCoef())));
        return new Terms(loss, policy, value, entropy, ratio, logp);
    }

    /** The global L2 norm of the gradients (NaN or infinite when any gradient is). */
    private double gradientNorm() {
        double total = 0;
        for (Tensor p : Tensors.of(net.parameters())) {
            Tensor g = p.grad();
            if (g.defined()) {
                double norm = g.norm().item_double();
                total += norm * norm;
            }
        }
        return Math.sqrt(total);
    }

    private void clipGradients(double norm) {
        double scale = s.maxGradNorm() / (norm + 1e-6);
        if (scale < 1) {
            try (NoGradGuard ng = new NoGradGuard()) {
                for (Tensor p : Tensors.of(net.parameters())) {
                    Tensor g = p.grad();
                    if (g.defined()) {
                        g.mul_(new Scalar(scale));
                    }
                }
            }
        }
    }

    private int sample(float[] p, SplittableRandom r) {
        double u = r.nextDouble();
        double c = 0;
        for (int i = 0; i < actions; i++) {
            c += p[i];
            if (u < c) {
                return i;
            }
        }
        return actions - 1;
    }

    private static int[] permutation(int n, SplittableRandom r) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }

    private static Tensor row(float[] x) {
        return torch.tensor(x).view(1, x.length);
    }
}
