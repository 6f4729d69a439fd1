package com.edgeinspect.trainer.train;

import com.edgeinspect.core.io.AtomicFiles;
import com.edgeinspect.trainer.cli.Progress;
import com.edgeinspect.trainer.dist.World;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.AdamW;
import org.bytedeco.pytorch.AdamWOptions;
import org.bytedeco.pytorch.InputArchive;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.OptimizerParamGroup;
import org.bytedeco.pytorch.OutputArchive;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.StringTensorDict;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * The training loop shared by every stage that trains a network: AdamW, linear warm-up then cosine decay, one
 * {@link PointerScope} per step (so native tensors are freed as the step ends), progress with the loss terms and
 * ETA, a CSV log, and a checkpoint (model, optimiser, step) that {@code resume} continues from bit for bit. Batches
 * are drawn from a random stream seeded by (seed, step), so a resumed run sees the batches the uninterrupted run
 * would have. With a weight average ({@link Settings#averageDecay()}), {@code model.pt} holds the averaged weights,
 * which everything downstream (export, evaluation, distillation from it) loads, and {@code live.pt} the weights
 * training goes on from.
 */
public final class FitLoop {

    /**
     * @param steps optimiser steps
     * @param batch samples per step
     * @param lr peak learning rate
     * @param weightDecay AdamW's decoupled weight decay
     * @param warmup steps of linear warm-up
     * @param seed seeds batch sampling and augmentation
     * @param checkpointEvery steps between checkpoints (and at the end)
     * @param averageDecay decay of the weight average the run delivers ({@link WeightAverage}), 0 for none
     * @param bf16 run the forward passes in bfloat16 ({@link Bf16}); weights, optimiser and losses stay float
     */
    public record Settings(int steps, int batch, double lr, double weightDecay, int warmup, long seed,
            int checkpointEvery, double averageDecay, boolean bf16) {

        /** Float forward passes. */
        public Settings(int steps, int batch, double lr, double weightDecay, int warmup, long seed,
                int checkpointEvery, double averageDecay) {
            this(steps, batch, lr, weightDecay, warmup, seed, checkpointEvery, averageDecay, false);
        }

        /** Float forward passes, without a weight average. */
        public Settings(int steps, int batch, double lr, double weightDecay, int warmup, long seed,
                int checkpointEvery) {
            this(steps, batch, lr, weightDecay, warmup, seed, checkpointEvery, 0);
        }
    }

    /** The checkpoint's training weights when {@code model.pt} holds their average. */
    private static final String LIVE = "live.pt";
    private static final String MODEL = "model.pt";
    private static final String OPTIMIZER = "optimizer.pt";
    private static final List<String> CHECKPOINT_FILES = List.of(LIVE, MODEL, OPTIMIZER);
    /** The step of the last whole checkpoint. */
    private static final String STEP = "checkpoint.txt";
    /** The step of a checkpoint whose files are all written, while they are being renamed into place. */
    private static final String NEXT = "checkpoint.next";

    /** The losses of one step: the total to minimise and the named terms to log. */
    public record Losses(Tensor total, Map<String, Tensor> terms) {}

    /** Computes a step's losses from a batch; the loop owns backward and the optimiser. */
    @FunctionalInterface
    public interface Objective {
        Losses compute(Batch batch, int step);
    }

    private final Module model;
    private final Settings s;
    private final Path runDir;
    private final AdamW optimizer;
    /** Each parameter group's learning-rate multiplier, in the optimiser's group order. */
    private final double[] multipliers;
    private final World world;
    private final int microBatches;
    /** The weight average of this run, or null; made when the run starts or resumes. */
    private WeightAverage average;

    public FitLoop(Module model, Settings settings, Path runDir) {
        this(model, settings, runDir, World.single(), 1);
    }

    /**
     * Data-parallel training: each step's batch is cut into {@code world.size() x microBatches} equal shards; this
     * rank computes its {@code microBatches} shards one after another (gradient accumulation), the gradients are
     * summed over the ranks, and every rank takes the same optimiser step. BatchNorm normalises over each shard (as
     * data-parallel training without synchronised BatchNorm does), so the result depends on the number of shards,
     * not on how they are spread: 2 ranks x 1 shard equal 1 rank x 2 shards, which a test holds. Running BatchNorm
     * statistics are averaged over the ranks before each checkpoint. Rank 0 alone logs and writes checkpoints; every
     * rank resumes from the run directory (shared storage across machines), with any world size.
     */
    public FitLoop(Module model, Settings settings, Path runDir, World world, int microBatches) {
        this(model, settings, runDir, world, microBatches, name -> 1);
    }

    /**
     * As {@link #FitLoop(Module, Settings, Path, World, int)}, each parameter learning at the schedule's rate times
     * {@code multiplier} of its qualified name (e.g. {@code student.s2_conv0.conv.weight}).
     */
    public FitLoop(Module model, Settings settings, Path runDir, World world, int microBatches,
            java.util.function.ToDoubleFunction<String> multiplier) {
        int shards = world.size() * microBatches;
        if (microBatches < 1 || settings.batch() % shards != 0) {
            throw new IllegalArgumentException("batch " + settings.batch() + " does not split into " + world.size()
                    + " rank(s) x " + microBatches + " micro-batch(es)");
        }
        this.world = world;
        this.microBatches = microBatches;
        this.model = model;
        this.s = settings;
        this.runDir = runDir;
        // One optimiser group per multiplier, in the order the multipliers first appear: the same groups on resume.
        Map<Double, TensorVector> groups = new LinkedHashMap<>();
        StringTensorDict named = model.named_parameters();
        for (long i = 0; i < named.size(); i++) {
            double m = multiplier.applyAsDouble(named.get(i).key().getString());
            if (!(m > 0)) {
                throw new IllegalArgumentException("learning-rate multiplier of " + named.get(i).key().getString()
                        + ": " + m);
            }
            groups.computeIfAbsent(m, k -> new TensorVector()).push_back(named.get(i).value());
        }
        List<TensorVector> params = new ArrayList<>(groups.values());
        AdamWOptions o = new AdamWOptions(settings.lr());
        o.weight_decay().put(settings.weightDecay());
        this.optimizer = new AdamW(params.isEmpty() ? new TensorVector() : params.get(0), o);
        for (TensorVector group : params.subList(Math.min(1, params.size()), params.size())) {
            optimizer.add_param_group(new OptimizerParamGroup(group)); // with the optimiser's options
        }
        this.multipliers = groups.keySet().stream().mapToDouble(Double::doubleValue).toArray();
    }

    /** Learning rate at a step: linear warm-up, then cosine decay to 5% of the peak. */
    public double lr(int step) {
        if (step < s.warmup()) {
            return s.lr() * (step + 1) / s.warmup();
        }
        double t = (double) (step - s.warmup()) / Math.max(1, s.steps() - s.warmup());
        return s.lr() * (0.05 + 0.95 * 0.5 * (1 + Math.cos(Math.PI * t)));
    }

    /**
     * Trains from the last checkpoint in the run directory (or from the start); returns the per-step log. The model
     * is left with the weights the run delivers (their average, if any).
     */
    public List<Map<String, Double>> run(List<Sample> samples, int classes, Objective objective) throws IOException {
        return run(samples, classes, objective, s.steps());
    }

    /**
     * Like {@link #run(List, int, Objective)} but stops (with a checkpoint) after step {@code until}: a time-boxed
     * session; the next run resumes where it stopped, on the same schedule.
     */
    public List<Map<String, Double>> run(List<Sample> samples, int classes, Objective objective, int until)
            throws IOException {
        Files.createDirectories(runDir);
        int start = resume();
        List<Map<String, Double>> log = new ArrayList<>();
        Path csv = runDir.resolve("log.csv");
        List<String> columns = start > 0 && Files.exists(csv) ? header(csv) : null;
        int end = Math.min(until, s.steps());
        if (start == 0 && end == 0) {
            checkpoint(0); // a run of no steps (e.g. calibration only) still leaves its model
        }
        try (Progress progress = world.leads() ? new Progress("train " + runDir.getFileName(), Math.max(0, end - start),
                "steps") : null) {
            for (int step = start; step < end; step++) {
                Map<String, Double> row = new LinkedHashMap<>();
                try (PointerScope scope = new PointerScope()) {
                    model.train(true);
                    for (int g = 0; g < multipliers.length; g++) {
                        optimizer.param_groups().get(g).options().set_lr(lr(step) * multipliers[g]);
                    }
                    row.put("step", (double) step);
                    row.put("lr", lr(step));
                    Tensor[] buffers = Tensors.of(model.buffers()); // running statistics the forward passes update
                    Tensor[] before = java.util.Arrays.stream(buffers).map(Tensor::clone).toArray(Tensor[]::new);
                    for (int attempt = 1; ; attempt++) {
                        if (attempt > 1) {
                            restore(buffers, before);
                        }
                        optimizer.zero_grad();
                        row.putAll(accumulate(samples, classes, objective, step));
                        long t0 = System.nanoTime();
                        TensorVector gradients = gradients();
                        world.allReduceSum(gradients);
                        if (world.size() > 1) {
                            row.put("sync_ms", (System.nanoTime() - t0) / 1e6); // waiting for the slowest rank included
                        }
                        if (finite(row, gradients, step, attempt)) {
                            break;
                        }
                    }
                    optimizer.step();
                    if (average != null) {
                        average.update(step);
                    }
                }
                log.add(row);
                if (world.leads()) {
                    if (columns == null) {
                        columns = List.copyOf(row.keySet());
                        Files.writeString(csv, String.join(",", columns) + "\n", StandardCharsets.UTF_8);
                    }
                    appendCsv(csv, columns, row);
                    progress.step(1, status(row));
                }
                if ((step + 1) % s.checkpointEvery() == 0 || step + 1 == end) {
                    checkpoint(step + 1);
                }
            }
        }
        if (average != null) {
            average.swap(); // the model now holds what model.pt does
        }
        return log;
    }

    /**
     * Draws the step's batch (the same on every rank: seeded by seed and step), runs this rank's shards through the
     * objective with their gradients scaled to the whole batch's mean, and returns the losses, averaged over the
     * whole batch (all ranks).
     */
    private Map<String, Double> accumulate(List<Sample> samples, int classes, Objective objective, int step) {
        long stepSeed = s.seed() * 1_000_003L + step;
        Random r = new Random(stepSeed);
        List<Sample> picked = new ArrayList<>(s.batch());
        for (int i = 0; i < s.batch(); i++) {
            picked.add(samples.get(r.nextInt(samples.size())));
        }
        int shards = world.size() * microBatches;
        int per = s.batch() / shards;
        Map<String, Tensor> sums = new LinkedHashMap<>();
        for (int k = world.rank() * microBatches; k < (world.rank() + 1) * microBatches; k++) {
            Batch b = Batch.of(picked.subList(k * per, (k + 1) * per), classes, new Random(stepSeed * 31 + k), true);
            Losses l;
            try (Bf16 scope = s.bf16() ? Bf16.open() : null) {
                l = objective.compute(b, step);
            }
            l.total().div(new Scalar((double) shards)).backward();
            sums.merge("loss", l.total().detach(), Tensor::add);
            l.terms().forEach((name, v) -> sums.merge(name, v.detach(), Tensor::add));
        }
        TensorVector values = new TensorVector();
        sums.values().forEach(v -> values.push_back(v.reshape(1).to(torch.ScalarType.Float)));
        world.allReduceSum(values);
        Map<String, Double> out = new LinkedHashMap<>();
        int i = 0;
        for (String name : sums.keySet()) {
            out.put(name, (double) values.get(i++).item_float() / shards);
        }
        return out;
    }

    /**
     * Whether a step's loss and summed gradients are finite (see {@link FiniteStep}); a step computed again starts
     * from the buffers (BatchNorm's running statistics, observers) as they were before it. The run stops with its last
     * checkpoint intact. Every rank holds the same summed values, so all ranks decide alike.
     */
    private boolean finite(Map<String, Double> row, TensorVector summed, int step, int attempt) {
        Tensor sum = torch.zeros(1);
        for (Tensor g : summed.get()) {
            sum = sum.add(g.abs().sum());
        }
        return FiniteStep.check(() -> String.format(Locale.ROOT, "%s, step %d (terms %s)", runDir, step, row),
                row.get("loss"), sum.item_double(), attempt);
    }

    /** Puts back the buffers a non-finite attempt's forward passes changed (possibly to NaN). */
    private static void restore(Tensor[] buffers, Tensor[] before) {
        try (NoGradGuard g = new NoGradGuard()) {
            for (int i = 0; i < buffers.length; i++) {
                buffers[i].copy_(before[i]);
            }
        }
    }

    private TensorVector gradients() {
        TensorVector grads = new TensorVector();
        TensorVector params = model.parameters();
        for (long i = 0; i < params.size(); i++) {
            Tensor g = params.get(i).grad();
            if (g.defined()) {
                grads.push_back(g);
            }
        }
        return grads;
    }

    private static String status(Map<String, Double> row) {
        StringBuilder sb = new StringBuilder();
        row.forEach((k, v) -> {
            if (!k.equals("step")) {
                sb.append(k).append('=').append(String.format(Locale.ROOT, k.equals("lr") ? "%.2e" : "%.4f", v))
                        .append(' ');
            }
        });
        return sb.toString().trim();
    }

    /** The columns of a log a resumed run appends to. */
    private static List<String> header(Path csv) throws IOException {
        try (var lines = Files.lines(csv, StandardCharsets.UTF_8)) {
            return lines.findFirst().map(h -> List.of(h.split(","))).orElse(null);
        }
    }

    /**
     * Appends a row in the log's column order, which a resumed run keeps whatever order its terms come in; a value
     * the log has no column for (e.g. {@code sync_ms} after resuming with more ranks) is left out, a missing one empty.
     */
    private static void appendCsv(Path csv, List<String> columns, Map<String, Double> row) throws IOException {
        String line = String.join(",", columns.stream().map(c -> row.containsKey(c)
                ? String.format(Locale.ROOT, "%.6g", row.get(c)) : "").toList()) + "\n";
        Files.writeString(csv, line, StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.CREATE,
                java.nio.file.StandardOpenOption.APPEND);
    }

    /**
     * Saves model + optimiser + step so that a crash or power cut at any moment leaves a checkpoint to resume from
     * exactly: every file is written and fsynced under a temp name, then {@code checkpoint.next} names the step (from
     * here on the new checkpoint is decided), then the files are renamed into place, the step file last. A resume
     * that finds {@code checkpoint.next} finishes the renames first. Every rank averages its running BatchNorm
     * statistics with the others first; rank 0 writes.
     */
    private void checkpoint(int step) throws IOException {
        TensorVector stats = new TensorVector();
        TensorVector buffers = model.buffers();
        for (long i = 0; i < buffers.size(); i++) {
            if (buffers.get(i).is_floating_point()) {
                stats.push_back(buffers.get(i));
            }
        }
        if (average != null) {
            average.buffers().forEach(stats::push_back);
        }
        world.allReduceMean(stats);
        if (!world.leads()) {
            return;
        }
        if (average != null) {
            save(LIVE);
            average.swap();
            try {
                save(MODEL);
            } finally {
                average.swap();
            }
        } else {
            save(MODEL);
        }
        OutputArchive o = new OutputArchive();
        optimizer.save(o);
        o.save_to(pending(OPTIMIZER).toString());
        for (String f : CHECKPOINT_FILES) {
            if (Files.exists(pending(f))) {
                AtomicFiles.sync(pending(f));
            }
        }
        AtomicFiles.write(runDir.resolve(NEXT), (step + "\n").getBytes(StandardCharsets.UTF_8));
        finishCheckpoint();
    }

    /**
     * Renames a decided checkpoint's files into place and records its step; a no-op without one. Temp files left
     * by a crash before the decision are dropped: the checkpoint before them is whole.
     */
    private void finishCheckpoint() throws IOException {
        Path next = runDir.resolve(NEXT);
        boolean decided = Files.exists(next);
        for (String f : CHECKPOINT_FILES) {
            if (Files.exists(pending(f))) {
                if (decided) {
                    AtomicFiles.moveIntoPlace(pending(f), runDir.resolve(f)); // synced before the decision
                } else {
                    Files.delete(pending(f));
                }
            }
        }
        if (decided) {
            AtomicFiles.write(runDir.resolve(STEP), Files.readAllBytes(next));
            Files.delete(next);
            AtomicFiles.syncDirectory(runDir);
        }
    }

    /**
     * Whether a run in {@code runDir} resumes from a checkpoint: one in place, or one a crash left decided but not yet
     * renamed (the resume finishes it).
     */
    public static boolean hasCheckpoint(Path runDir) {
        return Files.exists(runDir.resolve(STEP)) || Files.exists(runDir.resolve(NEXT));
    }

    /** Where a checkpoint file waits until the checkpoint is decided. */
    private Path pending(String name) {
        return runDir.resolve("." + name + ".tmp");
    }

    /** Writes the model's present weights to the pending file of {@code name}. */
    private void save(String name) {
        OutputArchive m = new OutputArchive();
        model.save(m);
        m.save_to(pending(name).toString());
    }

    /** Loads the last checkpoint, if any, and starts the weight average; returns the step to go on from. */
    private int resume() throws IOException {
        if (world.leads()) {
            finishCheckpoint();
        }
        world.barrier(); // the other ranks read the checkpoint rank 0 finished
        Path marker = runDir.resolve(STEP);
        boolean resumed = Files.exists(marker);
        if (resumed && (s.averageDecay() > 0) != Files.exists(runDir.resolve(LIVE))) {
            throw new IOException(runDir + ": checkpointed " + (s.averageDecay() > 0 ? "without" : "with")
                    + " a weight average; resume it with the run's own settings (see its " + RunConfig.FILE + ")");
        }
        if (resumed) {
            load(MODEL);
        }
        if (s.averageDecay() > 0) {
            // When resumed, it starts from model.pt: the average so far.
            average = new WeightAverage(model, s.averageDecay(), s.steps());
            if (resumed) {
                load(LIVE);
            }
        }
        if (!resumed) {
            return 0;
        }
        int step = Integer.parseInt(Files.readString(marker).trim());
        InputArchive o = new InputArchive();
        o.load_from(runDir.resolve(OPTIMIZER).toString());
        optimizer.load(o);
        truncateLog(step);
        return step;
    }

    private void load(String name) {
        InputArchive m = new InputArchive();
        m.load_from(runDir.resolve(name).toString());
        model.load(m);
    }

    /** Drops log rows past the checkpoint, which the resumed run will write again. */
    private void truncateLog(int step) throws IOException {
        Path csv = runDir.resolve("log.csv");
        if (Files.exists(csv)) {
            List<String> lines = Files.readAllLines(csv);
            AtomicFiles.write(csv, (String.join("\n", lines.subList(0, Math.min(lines.size(), step + 1))) + "\n")
                    .getBytes(StandardCharsets.UTF_8));
        }
    }

    static {
        // OMP_NUM_THREADS, as trainer/launch sets it, shares the cores among the processes of one machine.
        String omp = System.getenv("OMP_NUM_THREADS");
        torch.set_num_threads(omp != null && omp.matches("[1-9][0-9]*") ? Integer.parseInt(omp)
                : Math.max(1, Runtime.getRuntime().availableProcessors()));
    }
}
