package com.edgeinspect.trainer.cli;

import com.edgeinspect.core.bundle.Keys;
import com.edgeinspect.core.detect.CenterNetDecoder;
import com.edgeinspect.core.detect.OrtDetector;
import com.edgeinspect.core.metrics.DetectionEvaluator;
import com.edgeinspect.core.ship.DeviceCommand;
import com.edgeinspect.trainer.dist.World;
import com.edgeinspect.trainer.distill.DistillModel;
import com.edgeinspect.trainer.distill.Distillation;
import com.edgeinspect.trainer.distill.TeacherPass;
import com.edgeinspect.trainer.eval.VideoEvaluation;
import com.edgeinspect.trainer.export.Bundles;
import com.edgeinspect.trainer.export.OnnxExporter;
import com.edgeinspect.trainer.gate.GateTraining;
import com.edgeinspect.trainer.model.Detector;
import com.edgeinspect.trainer.model.DetectorSpec;
import com.edgeinspect.trainer.model.Gate;
import com.edgeinspect.trainer.model.Pruning;
import com.edgeinspect.trainer.model.TorchOps;
import com.edgeinspect.trainer.search.CompressionEnv;
import com.edgeinspect.trainer.search.Ppo;
import com.edgeinspect.trainer.search.Search;
import com.edgeinspect.trainer.search.Workers;
import com.edgeinspect.trainer.train.Checkpoints;
import com.edgeinspect.trainer.train.FitLoop;
import com.edgeinspect.trainer.train.RunConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.bytedeco.pytorch.global.torch;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code trainer search}: the PPO structure search. Each candidate is the teacher pruned to the chosen widths
 * ({@link Pruning}), distilled from the teacher for a few steps, exported and run by ONNX Runtime on the held-out
 * clips: mAP@0.5 and the mean inference time per 1920x1088 frame, measured on this machine. A candidate the agent
 * gives an early exit gets a gate trained on it (the student frozen, as {@code trainer gate} does) and is run as
 * the appliance runs it: the two graphs, frames exiting below the chosen threshold, the layers after the first stage
 * around the gate's region. The held-out frames are decoded once, for all candidates.
 */
@Command(name = "search", mixinStandardHelpOptions = true,
        description = "PPO search of the student's widths (keep ratio 80%%..30%% per channel group, pruned from the "
                + "teacher) and its early-exit gate threshold, rewarded for accuracy, measured latency and modelled "
                + "energy. Resumes from --out. Under "
                + "trainer/launch N, the candidates of each rollout are measured by N processes.")
final class SearchCommand implements Callable<Integer> {

    /** Timed inferences per candidate on a device. */
    private static final int DEVICE_RUNS = 10;

    @Mixin
    DataOptions data;

    @Option(names = "--teacher", required = true, description = "the teacher's run directory (the base pruned from)")
    Path teacherRun;

    @Option(names = "--holdout", required = true, split = ",", description = "annotated clips candidates are scored on")
    List<Path> holdout;

    @Option(names = "--holdout-every", defaultValue = "10", description = "score one frame in N (default ${DEFAULT-VALUE})")
    int holdoutEvery;

    // The default search is the one BENCHMARKS.md times (benchmarks/search.sh): 6 x 8 episodes.
    @Option(names = "--updates", defaultValue = "6", description = "PPO updates (default ${DEFAULT-VALUE})")
    int updates;

    @Option(names = "--episodes-per-update", defaultValue = "8", description = "(default ${DEFAULT-VALUE})")
    int episodesPerUpdate;

    @Option(names = "--distill-steps", defaultValue = "100",
            description = "distillation steps of each candidate before it is scored (default ${DEFAULT-VALUE})")
    int distillSteps;

    @Option(names = "--gate-steps", defaultValue = "300",
            description = "training steps of a candidate's early-exit gate, when the agent gives it one (default "
                    + "${DEFAULT-VALUE})")
    int gateSteps;

    @Option(names = "--bf16", description = "distil candidates and train their gates with bfloat16 forward passes "
            + "(as train-teacher --bf16: for a CPU with AMX or AVX-512 BF16)")
    boolean bf16;

    @Option(names = "--latency-budget-ms", description = "hard budget on the whole graph's latency: the reward is "
            + "the accuracy inside it, minus the overshoot (at most 1) outside; a candidate over it is not distilled")
    Double budget;

    @Option(names = "--threads", defaultValue = "2", description = "ONNX Runtime threads (default ${DEFAULT-VALUE})")
    int threads;

    @Option(names = "--out", required = true, description = "search directory (report; resumes from it)")
    Path out;

    @ArgGroup(exclusive = false, heading = "Hardware in the loop (candidates timed on a box instead of here):%n")
    LatencyDevice device;

    /** A box to time candidates on, over MQTT ({@code cmd/benchmark}), and the key its bundles are signed with. */
    static final class LatencyDevice extends FleetOptions {
        @Option(names = "--latency-device", required = true, description = "the device id")
        String id;

        @Option(names = "--latency-key", required = true, description = "a private key the device trusts "
                + "(trainer keys); each candidate goes to it as a bundle signed with it, never installed")
        Path key;
    }

    @Override
    public Integer call() throws Exception {
        RunConfig tc = RunConfig.read(teacherRun);
        Detector teacher = Checkpoints.load(teacherRun);
        DataOptions.Loaded d = data.load();
        DetectorSpec base = tc.spec();
        long[] evaluated = {0};
        double[] seconds = {0};
        DeviceCommand box = device == null ? null : new DeviceCommand(device.broker, device.clientId("search"),
                device.auth(), device.prefix, device.id);
        KeyPair key = device == null ? null : Keys.readPair(device.key);
        heldOut = VideoEvaluation.keep(holdout, holdoutEvery);
        Workers.Measure measure = choice -> {
            long t0 = System.nanoTime();
            DetectorSpec spec = choice.spec();
            Prepared p = prepared.get(shape(spec));
            if (p == null) {
                torch.manual_seed(data.seed * 31 + java.util.Arrays.hashCode(spec.widths()) * 7L + spec.neckWidth());
                p = prepare(teacher, base, spec, d);
                if (box != null) {
                    byte[] bundle = Bundles.forTiming(p.onnx, "candidate-" + java.util.Arrays.stream(spec.widths())
                            .mapToObj(Integer::toString).collect(java.util.stream.Collectors.joining("-")) + "-"
                            + spec.neckWidth(), tc.classes(), holdout.get(0), key);
                    // A Jetson builds a TensorRT engine for each candidate first: minutes, outside the timing.
                    p.deviceMs = box.benchmark(bundle, DEVICE_RUNS, CompressionEnv.WIDTH, CompressionEnv.HEIGHT,
                            java.time.Duration.ofMinutes(20));
                }
                prepared.put(shape(spec), p);
            }
            CompressionEnv.Measured m = choice.gate() == 0 || overBudget(p) ? p.whole() : gated(p, choice.gate(), d);
            if (box != null) {
                // The box times the whole graph; the early exit saves there the share of time it saved here.
                m = new CompressionEnv.Measured(m.map50(), p.deviceMs * m.latencyMs() / m.wholeLatencyMs(),
                        p.deviceMs);
            }
            evaluated[0]++;
            seconds[0] += (System.nanoTime() - t0) / 1e9;
            return m;
        };
        try (box; World world = World.fromEnvironment(System.getenv(), java.time.Duration.ofHours(1))) {
            if (!world.leads()) {
                Workers.serve(world, measure, base.classes(), base.depth());
                System.err.printf(Locale.ROOT, "rank %d measured %d candidates, %.1f s each%n", world.rank(),
                        evaluated[0], evaluated[0] == 0 ? 0 : seconds[0] / evaluated[0]);
                return 0;
            }
            Files.createDirectories(out);
            List<CompressionEnv.Candidate> known = Search.known(out, base.classes(), base.depth());
            try (Progress p = new Progress("search", (long) updates * episodesPerUpdate, "episodes")) {
                CompressionEnv env = new CompressionEnv(base, Pruning.importance(teacher),
                        Workers.evaluator(world, measure), budget, known, c -> {
                            try {
                                Search.remember(out, c);
                            } catch (java.io.IOException e) {
                                throw new java.io.UncheckedIOException(e);
                            }
                        });
                // The baseline the search must beat: every group at one ratio, measured beside the search's choices.
                Search.write(out.resolve("uniform.csv"), env.candidates(java.util.stream.IntStream
                        .range(0, CompressionEnv.RATIOS.length).mapToObj(env::uniform).toList()));
                int rollout = episodesPerUpdate * CompressionEnv.DECISIONS;
                Ppo ppo = new Ppo(env.observationSize(), env.actions(), new Ppo.Settings(rollout, 4,
                        Math.max(5, rollout / 4), 3e-3, 1.0, 0.95, 0.2, 0.5, 0.01, 0.5, 64, data.seed));
                Search.Result r = Search.run(env, ppo, updates, out, c -> p.step(1, String.format(Locale.ROOT,
                        "last %s mAP %.3f %.0f ms reward %.3f", choice(c.choice()), c.map50(), c.latencyMs(), c.reward())));
                System.out.printf(Locale.ROOT, "%d episodes, %d candidates measured (%d here now, %.1f s each, %d "
                        + "process(es)), best: %s mAP@0.5 %.4f, %.1f ms, %.1f mJ, reward %.4f; report in %s%n",
                        r.episodes(), r.evaluated(), evaluated[0], evaluated[0] == 0 ? 0 : seconds[0] / evaluated[0],
                        world.size(), choice(r.best().choice()), r.best().map50(), r.best().latencyMs(),
                        r.best().energyMj(), r.best().reward(), out);
            } finally {
                Workers.finish(world);
            }
        }
        return 0;
    }

    private static String shape(DetectorSpec s) {
        return java.util.Arrays.toString(s.widths()) + "/" + s.neckWidth();
    }

    private static String choice(CompressionEnv.Choice c) {
        return shape(c.spec()) + (c.gate() == 0 ? " no gate" : String.format(Locale.ROOT, " gate %.2f", c.gate()));
    }

    /**
     * A candidate shape pruned and briefly distilled and its ONNX graph; the whole graph's accuracy and latency on
     * the held-out frames when first needed (a candidate the agent gives a gate is scored with it, and its whole
     * graph only timed on a few frames: scoring both ways cost the search a quarter of its time), and its latency on
     * the box if timed there.
     */
    private final class Prepared {
        /** Of the held-out frames, every this-many-th times the whole graph of a candidate scored with its gate. */
        private static final int TIMING_EVERY = 4;

        final Detector net;
        final byte[] onnx;
        double deviceMs = Double.NaN;
        private CompressionEnv.Measured whole;
        private double wholeMs = Double.NaN;

        Prepared(Detector net, byte[] onnx) {
            this.net = net;
            this.onnx = onnx;
        }

        CompressionEnv.Measured whole() throws Exception {
            if (whole == null) {
                try (OrtDetector det = detector(onnx, net.spec().classes())) {
                    whole = score(det, net.spec().classes());
                }
            }
            return whole;
        }

        /** The whole graph's mean latency: as scored, or timed on a few held-out frames. */
        double wholeMs() throws Exception {
            if (whole != null) {
                return whole.latencyMs();
            }
            if (Double.isNaN(wholeMs)) {
                try (OrtDetector det = detector(onnx, net.spec().classes())) {
                    wholeMs = VideoEvaluation.time(det, heldOut, TIMING_EVERY);
                }
            }
            return wholeMs;
        }
    }

    /**
     * The teacher's outputs on the batches every candidate is distilled on (the same seed, so the same batches):
     * computed for the first candidate, reused by the others. About 13 MB a step with the default teacher and crops.
     */
    private static final long TEACHER_MEMORY_BYTES = 2L << 30;
    private TeacherPass teacherPass;

    /** The held-out clips' scored frames, decoded once. */
    private VideoEvaluation.Kept heldOut;

    /** Each shape prepared once, whatever gate thresholds the agent tries on it; by {@link #shape}. */
    private final Map<String, Prepared> prepared = new java.util.HashMap<>();
    /** Each shape's early-exit graphs (its gate trained the first time a threshold is tried on it), by shape. */
    private final Map<String, List<byte[]>> gated = new java.util.HashMap<>();

    /**
     * Prune, distil briefly (not the unpruned base, which is the teacher), export. Under a budget the pruned network
     * is scored here first: one over it earns its overshoot whatever it would score, so it is not distilled (its
     * accuracy is the pruned network's). Not when a box times the candidates: its time is the one the budget holds.
     */
    private Prepared prepare(Detector teacher, DetectorSpec base, DetectorSpec spec, DataOptions.Loaded d)
            throws Exception {
        Detector candidate = Pruning.prune(teacher, spec);
        if (budget != null && device == null) {
            Prepared pruned = new Prepared(candidate, OnnxExporter.toOnnx(candidate, Map.of()).toByteArray());
            if (overBudget(pruned)) {
                return pruned;
            }
        }
        if (distillSteps > 0 && !shape(spec).equals(shape(base))) {
            if (teacherPass == null) {
                teacherPass = TeacherPass.remembering(teacher, TEACHER_MEMORY_BYTES);
            }
            DistillModel model = new DistillModel(candidate, base);
            train(model, distillSteps, d, new Distillation(teacherPass, model, Distillation.Weights.DEFAULT,
                    distillSteps, TorchOps::new, null));
        }
        return new Prepared(candidate, OnnxExporter.toOnnx(candidate, Map.of()).toByteArray());
    }

    private OrtDetector detector(byte[] onnx, int classes) throws Exception {
        return new OrtDetector(onnx, classes, List.of(OrtDetector.Provider.CPU), threads,
                new CenterNetDecoder(0.01f, 100));
    }

    /**
     * Whether the whole graph is over the budget as timed here (scoring it); with a box timing the candidates, only
     * its time is held to the budget.
     */
    private boolean overBudget(Prepared p) throws Exception {
        return budget != null && device == null && CompressionEnv.overBudget(p.whole(), budget);
    }

    /** The candidate with its early exit at {@code threshold}: a gate trained on it (once), both graphs run. */
    private CompressionEnv.Measured gated(Prepared p, double threshold, DataOptions.Loaded d) throws Exception {
        DetectorSpec spec = p.net.spec();
        List<byte[]> stages = gated.get(shape(spec));
        if (stages == null) {
            torch.manual_seed(data.seed * 37 + java.util.Arrays.hashCode(spec.widths()) * 11L + spec.neckWidth());
            Gate gate = new Gate(spec);
            train(gate, gateSteps, d, new GateTraining(p.net, gate));
            stages = OnnxExporter.stages(p.net, gate, Map.of()).stream().map(m -> m.toByteArray()).toList();
            gated.put(shape(spec), stages);
        }
        try (OrtDetector det = new OrtDetector(p.onnx, new OrtDetector.Stages(stages.get(0), stages.get(1),
                (float) threshold), spec.classes(), List.of(OrtDetector.Provider.CPU), threads, Map.of(),
                new CenterNetDecoder(0.01f, 100))) {
            CompressionEnv.Measured m = score(det, spec.classes());
            return new CompressionEnv.Measured(m.map50(), m.latencyMs(), p.wholeMs());
        }
    }

    /**
     * mAP@0.5 and mean latency on the held-out frames, the latency also as the whole graph's (a gated run replaces
     * it).
     */
    private CompressionEnv.Measured score(OrtDetector det, int classes) throws Exception {
        DetectionEvaluator ev = new DetectionEvaluator(classes);
        double ms = VideoEvaluation.run(det, heldOut, ev);
        return new CompressionEnv.Measured(ev.map(0.5), ms, ms);
    }

    /** A short training run in a throwaway directory. */
    private void train(org.bytedeco.pytorch.Module model, int steps, DataOptions.Loaded d, FitLoop.Objective objective)
            throws Exception {
        if (steps <= 0) {
            return;
        }
        Path run = Files.createTempDirectory(out, ".candidate");
        try {
            FitLoop.Settings s = new FitLoop.Settings(steps, 8, 1e-3, 1e-4, Math.min(20, steps / 10 + 1), data.seed,
                    steps, 0, bf16);
            new FitLoop(model, s, run).run(d.samples(), d.classes().size(), objective);
        } finally {
            try (Stream<Path> files = Files.walk(run)) {
                for (Path f : (Iterable<Path>) files.sorted(Comparator.reverseOrder())::iterator) {
                    Files.delete(f);
                }
            }
        }
    }
}
