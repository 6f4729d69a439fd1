package com.edgeinspect.trainer.cli;

import com.edgeinspect.trainer.eval.Latency;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code trainer latency}: ONNX Runtime CPU latency of models side by side, with ratios to the first. */
@Command(name = "latency", mixinStandardHelpOptions = true,
        description = "Measure ONNX Runtime CPU latency of ONNX models round robin on one input size; prints a table "
                + "with each model's file size and its ratios to the first model.")
final class LatencyCommand implements Callable<Integer> {

    @Option(names = "--models", required = true, split = ",", description = "ONNX files; the first is the reference")
    List<Path> models;

    @Option(names = "--size", defaultValue = "1920x1088", description = "input WIDTHxHEIGHT (default ${DEFAULT-VALUE})")
    String size;

    @Option(names = "--rounds", defaultValue = "30", description = "timed rounds (default ${DEFAULT-VALUE})")
    int rounds;

    @Option(names = "--threads", defaultValue = "2", description = "intra-op threads (default ${DEFAULT-VALUE})")
    int threads;

    @Option(names = "--profile", description = "also print where each model's time goes, per operator type (ONNX "
            + "Runtime's profiler, 10 runs)")
    boolean profile;

    @Override
    public Integer call() throws Exception {
        String[] wh = size.toLowerCase(Locale.ROOT).split("x");
        if (wh.length != 2) {
            throw new IllegalArgumentException("--size: expected WIDTHxHEIGHT, got '" + size + "'");
        }
        int width = Integer.parseInt(wh[0]);
        int height = Integer.parseInt(wh[1]);
        List<byte[]> bytes = new ArrayList<>();
        for (Path m : models) {
            bytes.add(Files.readAllBytes(m));
        }
        List<Latency.Result> r;
        try (Progress p = new Progress("latency", rounds, "rounds")) {
            r = Latency.measure(bytes, height, width, threads, 3, rounds, done -> p.step(1));
        }
        System.out.printf(Locale.ROOT, "ONNX Runtime CPU, %d threads, %dx%d input, %d rounds round robin%n", threads,
                width, height, rounds);
        System.out.println("| model | file KB | size vs first | median ms | p90 ms | median vs first |");
        System.out.println("|---|---|---|---|---|---|");
        for (int i = 0; i < models.size(); i++) {
            System.out.printf(Locale.ROOT, "| %s | %.0f | %.2f | %.1f | %.1f | %.2f |%n", models.get(i).getFileName(),
                    bytes.get(i).length / 1024.0, (double) bytes.get(i).length / bytes.get(0).length,
                    r.get(i).medianMs(), r.get(i).p90Ms(), r.get(i).medianMs() / r.get(0).medianMs());
        }
        for (int i = 0; profile && i < models.size(); i++) {
            Map<String, Double> ops = Latency.profile(bytes.get(i), height, width, threads, 10);
            double total = ops.values().stream().mapToDouble(Double::doubleValue).sum();
            System.out.printf(Locale.ROOT, "%n%s, kernel time per operator type (profiled: shares, not latency):%n",
                    models.get(i).getFileName());
            System.out.println("| operator | ms per inference | share |");
            System.out.println("|---|---|---|");
            ops.forEach((op, ms) -> System.out.printf(Locale.ROOT, "| %s | %.2f | %.1f%% |%n", op, ms,
                    100 * ms / total));
        }
        return 0;
    }
}
