package com.edgeinspect.trainer.search;

import com.edgeinspect.core.io.AtomicFiles;
import com.edgeinspect.trainer.model.DetectorSpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * The structure search: PPO over {@link CompressionEnv}, each update collecting a few episodes. Every candidate
 * measured is appended to {@code candidates.csv} in the output directory as soon as it is known, so an interrupted
 * search resumes by replaying: the same seed makes the same choices, the candidates already paid for come from the
 * file, and the search carries on where it stopped. The report: {@code episodes.csv} (every episode's accuracy,
 * latency, energy and reward), {@code pareto.csv} and {@code pareto.svg} (accuracy against latency, the
 * non-dominated candidates joined), and the chosen shape and gate threshold, the best reward seen.
 */
public final class Search {

    /** What a search found. */
    public record Result(CompressionEnv.Candidate best, List<CompressionEnv.Candidate> pareto, int episodes,
            int evaluated) {}

    /**
     * The columns of a candidate in every CSV file of the search (gate 0: no early exit; latency_ms with the early
     * exit, whole_latency_ms of the whole graph on every frame).
     */
    private static final String COLUMNS = "w0,w1,w2,w3,neck,map50,latency_ms,energy_mj,reward,gate,whole_latency_ms";

    private Search() {}

    /** A candidate as a CSV row in {@link #COLUMNS} order, without a line end. */
    private static String row(CompressionEnv.Candidate c) {
        int[] w = c.spec().widths();
        return String.format(Locale.ROOT, "%d,%d,%d,%d,%d,%.6f,%.3f,%.4f,%.6f,%.2f,%.3f", w[0], w[1], w[2], w[3],
                c.spec().neckWidth(), c.map50(), c.latencyMs(), c.energyMj(), c.reward(), c.choice().gate(),
                c.wholeLatencyMs());
    }

    /** Reads the candidates a previous run of the search measured (none if it did not run). */
    public static List<CompressionEnv.Candidate> known(Path dir, int classes, int depth) throws IOException {
        Path f = dir.resolve("candidates.csv");
        List<CompressionEnv.Candidate> out = new ArrayList<>();
        if (!Files.exists(f)) {
            return out;
        }
        List<String> lines = Files.readAllLines(f);
        for (String line : lines.subList(Math.min(1, lines.size()), lines.size())) {
            String[] c = line.split(",");
            if (c.length != 11 || !c[10].matches("\\d+\\.\\d{3}")) {
                continue; // a line cut short by an interruption (its last number incomplete): measured again
            }
            int[] w = {Integer.parseInt(c[0]), Integer.parseInt(c[1]), Integer.parseInt(c[2]), Integer.parseInt(c[3])};
            out.add(new CompressionEnv.Candidate(new CompressionEnv.Choice(new DetectorSpec(classes, w, depth,
                    Integer.parseInt(c[4])), Double.parseDouble(c[9])), Double.parseDouble(c[5]),
                    Double.parseDouble(c[6]), Double.parseDouble(c[7]), Double.parseDouble(c[8]),
                    Double.parseDouble(c[10])));
        }
        return out;
    }

    /** Appends a newly measured candidate (the file is the search's memory across interruptions). */
    public static void remember(Path dir, CompressionEnv.Candidate c) throws IOException {
        Path f = dir.resolve("candidates.csv");
        StringBuilder sb = new StringBuilder();
        if (!Files.exists(f)) {
            sb.append(COLUMNS).append('\n');
        }
        sb.append(row(c)).append('\n');
        Files.writeString(f, sb, StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.CREATE,
                java.nio.file.StandardOpenOption.APPEND);
    }

    /** Runs {@code updates} PPO updates; {@code progress} hears of every finished episode. */
    public static Result run(CompressionEnv env, Ppo ppo, int updates, Path dir,
            java.util.function.Consumer<CompressionEnv.Candidate> progress) throws IOException {
        List<String> episodes = new ArrayList<>(List.of("update,episode," + COLUMNS));
        int count = 0;
        for (int u = 0; u < updates; u++) {
            ppo.step(env);
            for (CompressionEnv.Candidate c : env.settled()) {
                episodes.add(u + "," + count++ + "," + row(c));
                progress.accept(c);
            }
        }
        List<CompressionEnv.Candidate> all = env.candidates();
        List<CompressionEnv.Candidate> pareto = pareto(all);
        AtomicFiles.write(dir.resolve("episodes.csv"), (String.join("\n", episodes) + "\n").getBytes(StandardCharsets.UTF_8));
        write(dir.resolve("pareto.csv"), pareto);
        AtomicFiles.write(dir.resolve("pareto.svg"), svg(all, pareto).getBytes(StandardCharsets.UTF_8));
        CompressionEnv.Candidate best = all.stream().max(Comparator.comparingDouble(CompressionEnv.Candidate::reward))
                .orElseThrow();
        return new Result(best, pareto, count, all.size());
    }

    /** Writes candidates as CSV (widths, neck, mAP@0.5, latency, energy, reward). */
    public static void write(Path file, List<CompressionEnv.Candidate> candidates) throws IOException {
        StringBuilder p = new StringBuilder(COLUMNS).append('\n');
        for (CompressionEnv.Candidate c : candidates) {
            p.append(row(c)).append('\n');
        }
        AtomicFiles.write(file, p.toString().getBytes(StandardCharsets.UTF_8));
    }

    /** Candidates no other beats on both accuracy (higher) and latency (lower), by latency. */
    static List<CompressionEnv.Candidate> pareto(List<CompressionEnv.Candidate> all) {
        return all.stream().filter(c -> all.stream().noneMatch(o -> o != c && o.map50() >= c.map50()
                && o.latencyMs() <= c.latencyMs() && (o.map50() > c.map50() || o.latencyMs() < c.latencyMs())))
                .sorted(Comparator.comparingDouble(CompressionEnv.Candidate::latencyMs)).toList();
    }

    /** Accuracy against latency: every candidate a dot, the Pareto front a line. */
    static String svg(List<CompressionEnv.Candidate> all, List<CompressionEnv.Candidate> pareto) {
        double maxL = all.stream().mapToDouble(CompressionEnv.Candidate::latencyMs).max().orElse(1) * 1.05;
        double maxA = Math.max(0.05, all.stream().mapToDouble(CompressionEnv.Candidate::map50).max().orElse(1) * 1.05);
        StringBuilder s = new StringBuilder("<svg xmlns='http://www.w3.org/2000/svg' width='640' height='420' "
                + "font-family='sans-serif' font-size='12'><rect width='640' height='420' fill='white'/>"
                + "<line x1='60' y1='370' x2='620' y2='370' stroke='black'/><line x1='60' y1='20' x2='60' y2='370' "
                + "stroke='black'/><text x='300' y='405'>latency, ms (ONNX Runtime CPU, 1920x1088)</text>"
                + "<text x='12' y='200' transform='rotate(-90 12 200)'>mAP@0.5</text>");
        for (int i = 0; i <= 4; i++) {
            s.append(String.format(Locale.ROOT, "<text x='%.0f' y='386'>%.0f</text><text x='22' y='%.0f'>%.2f</text>",
                    60 + 560.0 * i / 4, maxL * i / 4, 374 - 350.0 * i / 4, maxA * i / 4));
        }
        for (CompressionEnv.Candidate c : all) {
            s.append(String.format(Locale.ROOT, "<circle cx='%.1f' cy='%.1f' r='3' fill='#888'/>",
                    60 + 560 * c.latencyMs() / maxL, 370 - 350 * c.map50() / maxA));
        }
        StringBuilder line = new StringBuilder();
        for (CompressionEnv.Candidate c : pareto) {
            line.append(String.format(Locale.ROOT, "%.1f,%.1f ", 60 + 560 * c.latencyMs() / maxL,
                    370 - 350 * c.map50() / maxA));
        }
        return s.append("<polyline fill='none' stroke='#c00' stroke-width='2' points='").append(line.toString().trim())
                .append("'/></svg>\n").toString();
    }
}
