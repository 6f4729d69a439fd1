package com.edgeinspect.trainer.train;

import com.edgeinspect.core.io.AtomicFiles;
import com.edgeinspect.trainer.cli.Progress;
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
import org.bytedeco.pytorch.OutputArchive;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * The training loop shared by every stage that trains a network: AdamW, linear warm-up then cosine decay, one
 * {@link PointerScope} per step (so native tensors are freed as the step ends), progress with the loss terms and
 * ETA, a CSV log, and a checkpoint (model, optimiser, step) that {@code resume} continues from bit for bit. Batches
 * are drawn from a random stream seeded by (seed, step), so a resumed run sees the batches the uninterrupted run
 * would have.
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
     */
    public record Settings(int steps, int batch, double lr, double weightDecay, int warmup, long seed,
            int checkpointEvery) {}

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

    public FitLoop(Module model, Settings settings, Path runDir) {
        this.model = model;
        this.s = settings;
        this.runDir = runDir;
        AdamWOptions o = new AdamWOptions(settings.lr());
        o.weight_decay().put(settings.weightDecay());
        this.optimizer = new AdamW(model.parameters(), o);
    }

    /** Learning rate at a step: linear warm-up, then cosine decay to 5% of the peak. */
    public double lr(int step) {
        if (step < s.warmup()) {
            return s.lr() * (step + 1) / s.warmup();
        }
        double t = (double) (step - s.warmup()) / Math.max(1, s.steps() - s.warmup());
        return s.lr() * (0.05 + 0.95 * 0.5 * (1 + Math.cos(Math.PI * t)));
    }

    /** Trains from the last checkpoint in the run directory (or from the start); returns the per-step log. */
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
        int end = Math.min(until, s.steps());
        if (start == 0 && end == 0) {
            checkpoint(0); // a run of no steps (e.g. calibration only) still leaves its model
        }
        try (Progress progress = new Progress("train " + runDir.getFileName(), Math.max(0, end - start), "steps")) {
            for (int step = start; step < end; step++) {
                Map<String, Double> row = new LinkedHashMap<>();
                try (PointerScope scope = new PointerScope()) {
                    Random r = new Random(s.seed() * 1_000_003L + step);
                    List<Sample> picked = new ArrayList<>(s.batch());
                    for (int i = 0; i < s.batch(); i++) {
                        picked.add(samples.get(r.nextInt(samples.size())));
                    }
                    Batch b = Batch.of(picked, classes, r, true);
                    model.train(true);
                    optimizer.param_groups().get(0).options().set_lr(lr(step));
                    optimizer.zero_grad();
                    Losses l = objective.compute(b, step);
                    l.total().backward();
                    optimizer.step();
                    row.put("step", (double) step);
                    row.put("lr", lr(step));
                    row.put("loss", (double) l.total().item_float());
                    l.terms().forEach((k, v) -> row.put(k, (double) v.item_float()));
                }
                log.add(row);
                appendCsv(csv, row, step == 0 || !Files.exists(csv));
                progress.step(1, status(row));
                if ((step + 1) % s.checkpointEvery() == 0 || step + 1 == end) {
                    checkpoint(step + 1);
                }
            }
        }
        return log;
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

    private static void appendCsv(Path csv, Map<String, Double> row, boolean header) throws IOException {
        StringBuilder sb = new StringBuilder();
        if (header) {
            sb.append(String.join(",", row.keySet())).append('\n');
        }
        sb.append(String.join(",", row.values().stream().map(v -> String.format(Locale.ROOT, "%.6g", v)).toList()))
                .append('\n');
        Files.writeString(csv, sb.toString(), StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.CREATE,
                java.nio.file.StandardOpenOption.APPEND);
    }

    /** Saves model + optimiser + step atomically (temp files, then renames; the step file last). */
    private void checkpoint(int step) throws IOException {
        Path tmpModel = runDir.resolve(".model.pt.tmp");
        Path tmpOpt = runDir.resolve(".optimizer.pt.tmp");
        OutputArchive m = new OutputArchive();
        model.save(m);
        m.save_to(tmpModel.toString());
        OutputArchive o = new OutputArchive();
        optimizer.save(o);
        o.save_to(tmpOpt.toString());
        Files.move(tmpModel, runDir.resolve("model.pt"), java.nio.file.StandardCopyOption.ATOMIC_MOVE,
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.move(tmpOpt, runDir.resolve("optimizer.pt"), java.nio.file.StandardCopyOption.ATOMIC_MOVE,
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        AtomicFiles.write(runDir.resolve("checkpoint.txt"), (step + "\n").getBytes(StandardCharsets.UTF_8));
    }

    private int resume() throws IOException {
        Path marker = runDir.resolve("checkpoint.txt");
        if (!Files.exists(marker)) {
            return 0;
        }
        int step = Integer.parseInt(Files.readString(marker).trim());
        InputArchive m = new InputArchive();
        m.load_from(runDir.resolve("model.pt").toString());
        model.load(m);
        InputArchive o = new InputArchive();
        o.load_from(runDir.resolve("optimizer.pt").toString());
        optimizer.load(o);
        truncateLog(step);
        return step;
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
        torch.set_num_threads(Math.max(1, Runtime.getRuntime().availableProcessors()));
    }
}
