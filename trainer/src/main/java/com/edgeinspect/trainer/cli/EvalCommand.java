package com.edgeinspect.trainer.cli;

import com.edgeinspect.core.dataset.VideoAnnotations;
import com.edgeinspect.core.detect.CenterNetDecoder;
import com.edgeinspect.core.detect.OrtDetector;
import com.edgeinspect.core.metrics.DetectionEvaluator;
import com.edgeinspect.trainer.eval.VideoEvaluation;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import com.edgeinspect.core.io.AtomicFiles;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code trainer eval}: mAP of an ONNX detector on annotated clips, through the appliance's inference code. */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = "Score an ONNX detector on annotated clips: mAP@0.5, mAP@0.5:0.95, per-class AP, precision and "
                + "recall at the threshold, mean inference time.")
final class EvalCommand implements Callable<Integer> {

    @Option(names = "--model", required = true, description = "ONNX file")
    Path model;

    @Option(names = "--videos", required = true, split = ",", description = "annotated clips")
    List<Path> videos;

    @Option(names = "--every", defaultValue = "5", description = "score one frame in N (default ${DEFAULT-VALUE})")
    int every;

    @Option(names = "--threshold", defaultValue = "0.3", description = "deployed score threshold (default ${DEFAULT-VALUE})")
    float threshold;

    @Option(names = "--threads", defaultValue = "2")
    int threads;

    @Option(names = "--report", description = "also write the results as JSON (for trainer bundle --metrics)")
    Path report;

    @Override
    public Integer call() throws Exception {
        List<String> classes = VideoAnnotations.readBeside(videos.get(0)).classes();
        DetectionEvaluator ev = new DetectionEvaluator(classes.size());
        double ms;
        // A low decoding threshold so the precision-recall curve is complete; the deployed one is reported apart.
        try (OrtDetector d = new OrtDetector(Files.readAllBytes(model), classes.size(),
                List.of(OrtDetector.Provider.CPU), threads, new CenterNetDecoder(0.01f, 100))) {
            ms = VideoEvaluation.run(d, videos, every, ev);
        }
        System.out.printf(Locale.ROOT, "model %s on %d clip(s), every %d frame(s): mAP@0.5 %.4f  mAP@0.5:0.95 %.4f  "
                + "inference %.1f ms/frame%n", model.getFileName(), videos.size(), every, ev.map(0.5), ev.mapCoco(), ms);
        System.out.println("| class | truths | AP@0.5 | precision@" + threshold + " | recall@" + threshold + " |");
        System.out.println("|---|---|---|---|---|");
        for (DetectionEvaluator.ClassResult r : ev.perClass(0.5)) {
            double[] pr = r.atScore(threshold);
            System.out.printf(Locale.ROOT, "| %s | %d | %.4f | %.3f | %.3f |%n", classes.get(r.classId()), r.truths(),
                    r.ap(), pr[0], pr[1]);
        }
        if (report != null) {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("clips", videos.stream().map(v -> v.getFileName().toString()).toList());
            r.put("everyNthFrame", every);
            r.put("map50", round(ev.map(0.5)));
            r.put("map50to95", round(ev.mapCoco()));
            r.put("inferenceMsCpu", round(ms));
            Map<String, Object> perClass = new LinkedHashMap<>();
            for (DetectionEvaluator.ClassResult c : ev.perClass(0.5)) {
                perClass.put(classes.get(c.classId()), round(c.ap()));
            }
            r.put("ap50PerClass", perClass);
            AtomicFiles.write(report, new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsBytes(r));
        }
        return 0;
    }

    private static double round(double v) {
        return Math.round(v * 1e4) / 1e4;
    }
}
