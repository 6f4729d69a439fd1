package com.edgeinspect.trainer.search;

import com.edgeinspect.trainer.model.DetectorSpec;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Compressing the detector group by group, as a PPO environment. The base is a trained wide network (the teacher);
 * one episode makes five decisions, one per channel group (stem, stages 1-3, neck), each a keep ratio of the base's
 * width from 80% down to 30% (rounded to a multiple of 8, at least 8), and a sixth: the early-exit gate's threshold
 * ({@link #GATES}; 0 runs the whole graph on every frame). The last decision ends the episode with the candidate's
 * reward:
 *
 * <pre>
 * reward = 0.6 accuracy + 0.3 (L_base - L) / (L_base - L_min) + 0.1 (E_base - E) / (E_base - E_min)
 * </pre>
 *
 * accuracy being mAP@0.5 from the {@link Evaluator} (the pruned network after a short distillation, on held-out
 * frames, with its early exit if it has one), L its measured ONNX Runtime latency (likewise: frames that exit or run
 * the heads on a region are faster) and E its energy ({@link EnergyModel}, of the whole graph: it does not credit the
 * early exit); the base and the all-30% network, both without a gate, bound the normalisation. With a hard latency
 * budget (MnasNet's hard constraint) the reward is the accuracy alone for a candidate whose whole graph fits it: among
 * the students a box can afford, the most accurate is best, and the budget is held for the worst frame, one with a
 * defect, on which an early exit saves nothing. One that does not fit earns minus its overshoot, {@code -(L / budget -
 * 1)}, at most -1: below every fitting candidate, and graded so that the agent learns which way the budget lies
 * (most shapes of a first, random policy miss a tight budget). The candidates of a rollout are measured together
 * once it is collected ({@link #settle()}), so that several processes can share the work; evaluations are memoised
 * by shape and gate: PPO revisits candidates, and a resumed search replays the ones it has already paid for.
 *
 * <p>Observation per decision: which decision (one-hot), the group's base width / 256, the MACs of the network so far
 * (decided groups at their choice, the rest at base width) over the base's, the mean and spread of the group's
 * channel importance (from the base's BatchNorm scales; zero for the gate), and the fraction of decisions left.
 */
public final class CompressionEnv implements Ppo.Deferred {

    public static final double[] RATIOS = {0.8, 0.7, 0.6, 0.5, 0.4, 0.3};
    /** The gate thresholds the last decision chooses from; 0: no early exit. */
    public static final double[] GATES = {0, 0.2, 0.3, 0.4, 0.5, 0.6};
    static final int GROUPS = 5;
    /** Decisions per episode: a keep ratio per group, then the gate. */
    public static final int DECISIONS = GROUPS + 1;
    /** The frame the latency and energy are judged on. */
    public static final int HEIGHT = 1088;
    public static final int WIDTH = 1920;

    /**
     * Accuracy and measured latency of one candidate (with its early exit, if it has one), and the latency of its
     * whole graph on every frame.
     */
    public record Measured(double map50, double latencyMs, double wholeLatencyMs) {}

    /** What an episode chooses: a shape, and its gate threshold (0: no early exit). */
    public record Choice(DetectorSpec spec, double gate) {}

    /**
     * Measures candidates (accuracy after pruning and a short fine-tune, latency, both with the early exit if
     * chosen), results in their order.
     */
    @FunctionalInterface
    public interface Evaluator {
        List<Measured> evaluate(List<Choice> candidates) throws Exception;
    }

    /** One evaluated candidate, as the search report lists it. */
    public record Candidate(Choice choice, double map50, double latencyMs, double energyMj, double reward,
            double wholeLatencyMs) {
        public DetectorSpec spec() {
            return choice.spec();
        }
    }

    private final DetectorSpec base;
    private final List<float[]> importance;
    private final Evaluator evaluator;
    private final java.util.function.Consumer<Candidate> measured;
    private final Double latencyBudgetMs;
    private final Map<String, Candidate> memo = new LinkedHashMap<>();
    private final double baseLatency;
    private final double minLatency;
    private final double baseEnergy;
    private final double minEnergy;
    private final int[] chosen = new int[DECISIONS];
    private final List<Choice> pending = new java.util.ArrayList<>();
    private List<Candidate> settled = List.of();
    private int next;

    /**
     * @param importance per group, the base's channel importance ({@code Pruning.importance})
     * @param latencyBudgetMs null, or the hard budget
     * @param known candidates measured before (a resumed search); they are not measured again
     * @param measured hears of every candidate measured anew
     */
    public CompressionEnv(DetectorSpec base, List<float[]> importance, Evaluator evaluator, Double latencyBudgetMs,
            List<Candidate> known, java.util.function.Consumer<Candidate> measured) throws Exception {
        this.base = base;
        this.importance = importance;
        this.latencyBudgetMs = latencyBudgetMs;
        known.forEach(c -> memo.put(key(c.choice()), c));
        // The bounds of the normalisation, measured first (or recalled) and remembered like any candidate.
        Choice biggest = new Choice(base, 0);
        Choice smallest = uniform(RATIOS.length - 1);
        Map<String, Measured> bounds = new LinkedHashMap<>();
        for (Choice b : List.of(biggest, smallest)) {
            Candidate c = memo.get(key(b));
            if (c != null) {
                bounds.put(key(b), new Measured(c.map50(), c.latencyMs(), c.wholeLatencyMs()));
            }
        }
        List<Choice> unknown = java.util.stream.Stream.of(biggest, smallest).filter(b -> !bounds.containsKey(key(b)))
                .toList();
        List<Measured> m = unknown.isEmpty() ? List.of() : evaluator.evaluate(unknown);
        for (int i = 0; i < unknown.size(); i++) {
            bounds.put(key(unknown.get(i)), m.get(i));
        }
        this.baseLatency = bounds.get(key(biggest)).latencyMs();
        this.minLatency = bounds.get(key(smallest)).latencyMs();
        this.baseEnergy = EnergyModel.millijoules(base, HEIGHT, WIDTH);
        this.minEnergy = EnergyModel.millijoules(smallest.spec(), HEIGHT, WIDTH);
        this.evaluator = evaluator;
        this.measured = measured;
        for (int i = 0; i < unknown.size(); i++) {
            score(unknown.get(i), m.get(i)); // now that the bounds are known
        }
    }

    @Override
    public int observationSize() {
        return DECISIONS + 5;
    }

    @Override
    public int actions() {
        return RATIOS.length;
    }

    @Override
    public float[] reset(long seed) {
        next = 0;
        java.util.Arrays.fill(chosen, 0);
        return observation();
    }

    @Override
    public Step step(int action) {
        chosen[next++] = action;
        if (next < DECISIONS) {
            return new Step(observation(), 0, false);
        }
        pending.add(new Choice(shape(chosen), GATES[chosen[GROUPS]]));
        return new Step(observation(), 0, true); // the reward comes with settle()
    }

    /** Measures the candidates of the episodes ended since the last call (those not known yet) and scores them. */
    @Override
    public double[] settle() {
        List<Choice> episodes = List.copyOf(pending);
        pending.clear();
        try {
            settled = candidates(episodes);
        } catch (Exception e) {
            throw new IllegalStateException("measuring candidates: " + e.getMessage(), e);
        }
        return settled.stream().mapToDouble(Candidate::reward).toArray();
    }

    /** The candidates of the episodes the last {@link #settle()} scored, in episode order. */
    public List<Candidate> settled() {
        return settled;
    }

    /** Every candidate evaluated, in order. */
    public List<Candidate> candidates() {
        return List.copyOf(memo.values());
    }

    /** Evaluates (or recalls) choices, the unknown ones together, and scores them. */
    public List<Candidate> candidates(List<Choice> specs) throws Exception {
        List<Choice> unknown = specs.stream().filter(s -> !memo.containsKey(key(s)))
                .collect(java.util.stream.Collectors.toMap(CompressionEnv::key, s -> s, (a, b) -> a, LinkedHashMap::new))
                .values().stream().toList();
        if (!unknown.isEmpty()) {
            List<Measured> m = evaluator.evaluate(unknown);
            for (int i = 0; i < unknown.size(); i++) {
                score(unknown.get(i), m.get(i));
            }
        }
        return specs.stream().map(s -> memo.get(key(s))).toList();
    }

    private void score(Choice choice, Measured m) {
        double energy = EnergyModel.millijoules(choice.spec(), HEIGHT, WIDTH);
        double reward = latencyBudgetMs != null ? (overBudget(m, latencyBudgetMs)
                ? -Math.min(1, m.wholeLatencyMs() / latencyBudgetMs - 1) : m.map50())
                : 0.6 * m.map50() + 0.3 * norm(baseLatency - m.latencyMs(), baseLatency - minLatency)
                        + 0.1 * norm(baseEnergy - energy, baseEnergy - minEnergy);
        Candidate c = new Candidate(choice, m.map50(), m.latencyMs(), energy, reward, m.wholeLatencyMs());
        memo.put(key(choice), c);
        measured.accept(c);
    }

    /** Whether a candidate's whole graph is over a hard latency budget (never, without one). */
    public static boolean overBudget(Measured m, Double latencyBudgetMs) {
        return latencyBudgetMs != null && m.wholeLatencyMs() > latencyBudgetMs;
    }

    /** The shape a list of ratio choices (indices into {@link #RATIOS}) gives. */
    public DetectorSpec shape(int[] choice) {
        int[] w = base.widths();
        int[] out = new int[4];
        for (int g = 0; g < 4; g++) {
            out[g] = width(w[g], choice[g]);
        }
        return new DetectorSpec(base.classes(), out, base.depth(), width(base.neckWidth(), choice[4]));
    }

    /** The same keep ratio for every group, no gate: the uniform-scaling baseline the search is compared with. */
    public Choice uniform(int ratio) {
        int[] c = new int[GROUPS];
        java.util.Arrays.fill(c, ratio);
        return new Choice(shape(c), 0);
    }

    private static int width(int base, int choice) {
        return Math.max(8, (int) Math.round(base * RATIOS[choice] / 8) * 8);
    }

    private float[] observation() {
        float[] o = new float[observationSize()];
        int d = Math.min(next, DECISIONS - 1);
        o[d] = 1;
        DetectorSpec sofar = partialShape();
        o[DECISIONS + 1] = (float) ((double) sofar.macs(HEIGHT, WIDTH) / base.macs(HEIGHT, WIDTH));
        o[DECISIONS + 4] = (float) (DECISIONS - next) / DECISIONS;
        if (d == GROUPS) {
            return o; // the gate: no group of its own
        }
        int[] w = base.widths();
        o[DECISIONS] = (d < 4 ? w[d] : base.neckWidth()) / 256f;
        float[] imp = importance.get(d);
        double mean = 0;
        for (float v : imp) {
            mean += v;
        }
        mean /= imp.length;
        double var = 0;
        for (float v : imp) {
            var += (v - mean) * (v - mean);
        }
        o[DECISIONS + 2] = (float) mean;
        o[DECISIONS + 3] = (float) Math.sqrt(var / imp.length);
        return o;
    }

    /** Decided groups at their choice, the others at the base's width. */
    private DetectorSpec partialShape() {
        int[] w = base.widths();
        int[] out = new int[4];
        for (int g = 0; g < 4; g++) {
            out[g] = g < next ? width(w[g], chosen[g]) : w[g];
        }
        int neck = next > 4 ? width(base.neckWidth(), chosen[4]) : base.neckWidth();
        return new DetectorSpec(base.classes(), out, base.depth(), neck);
    }

    private static double norm(double gain, double range) {
        return range <= 0 ? 0 : Math.max(0, Math.min(1, gain / range));
    }

    static String key(Choice c) {
        DetectorSpec s = c.spec();
        return java.util.Arrays.toString(s.widths()) + "/" + s.depth() + "/" + s.neckWidth() + "/" + c.gate();
    }
}
