package com.edgeinspect.trainer.cli;

import com.edgeinspect.core.dataset.VideoAnnotations;
import com.edgeinspect.core.detect.CenterNetDecoder;
import com.edgeinspect.core.detect.OrtDetector;
import com.edgeinspect.core.io.AtomicFiles;
import com.edgeinspect.core.metrics.DetectionEvaluator;
import com.edgeinspect.trainer.data.DatasetFormat;
import com.edgeinspect.trainer.eval.ImageEvaluation;
import com.edgeinspect.trainer.eval.VideoEvaluation;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code trainer eval}: mAP of an ONNX detector on annotated clips or a still dataset, through the appliance's
 * inference code.
 */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = "Score an ONNX detector on annotated clips or a still dataset (and its split): mAP@0.5, "
                + "mAP@0.5:0.95, per-class AP at IoU 0.5 and 0.1 (boxes found but loose), precision and recall at the "
                + "threshold, which class each truth was detected as, mean inference time.")
final class EvalCommand implements Callable<Integer> {

    @Option(names = "--model", required = true, description = "ONNX file")
    Path model;

    @Option(names = "--videos", split = ",", description = "annotated clips")
    List<Path> videos = List.of();

    @Option(names = "--dataset", description = "FORMAT:PATH of a still dataset, e.g. voc:../shared/datasets/NEU-DET")
    String dataset;

    @Option(names = "--split", description = "with --dataset: the images to score, one file name stem per line")
    Path split;

    @Option(names = "--every", defaultValue = "5", description = "score one frame in N of each clip (default ${DEFAULT-VALUE})")
    int every;

    @Option(names = "--threshold", defaultValue = "0.3", description = "deployed score threshold (default ${DEFAULT-VALUE})")
    float threshold;

    @Option(names = "--threads", defaultValue = "2")
    int threads;

    @Option(names = "--report", description = "also write the results as JSON (for trainer bundle --metrics)")
    Path report;

    @Override
    public Integer call() throws Exception {
        if (videos.isEmpty() == (dataset == null)) {
            throw new IllegalArgumentException("give either --videos or --dataset");
        }
        DatasetFormat.Loaded still = dataset == null ? null : DataOptions.dataset(dataset, split);
        List<String> classes = still != null ? still.dataset().classes()
                : VideoAnnotations.readBeside(videos.get(0)).classes();
        DetectionEvaluator ev = new DetectionEvaluator(classes.size());
        // Several clips are also scored one at a time: a clip's one hard defect hides in the total.
        Map<Path, DetectionEvaluator> perClip = new LinkedHashMap<>();
        if (videos.size() > 1) {
            videos.forEach(v -> perClip.put(v, new DetectionEvaluator(classes.size())));
        }
        double ms;
        // A low decoding threshold so the precision-recall curve is complete; the deployed one is reported apart.
        try (OrtDetector d = new OrtDetector(Files.readAllBytes(model), classes.size(),
                List.of(OrtDetector.Provider.CPU), threads, new CenterNetDecoder(0.01f, 100))) {
            ms = still != null ? ImageEvaluation.run(d, still, ev) : VideoEvaluation.run(d, videos, every, ev, perClip);
        }
        String scored = still != null ? still.dataset().images().size() + " image(s) of " + dataset
                + (split != null ? " (" + split.getFileName() + ")" : "")
                : videos.size() + " clip(s), every " + every + " frame(s)";
        System.out.printf(Locale.ROOT, "model %s on %s: mAP@0.5 %.4f  mAP@0.5:0.95 %.4f  inference %.1f ms/%s%n",
                model.getFileName(), scored, ev.map(0.5), ev.mapCoco(), ms, still != null ? "image" : "frame");
        // AP@0.1 forgives loose boxes (COCO's analysis calls the gap to AP@0.5 localisation error): a class far
        // below its AP@0.1 is found but boxed wrong, one low at both is not found.
        System.out.println("| class | truths | AP@0.5 | AP@0.1 | precision@" + threshold + " | recall@" + threshold
                + " |");
        System.out.println("|---|---|---|---|---|---|");
        List<DetectionEvaluator.ClassResult> strict = ev.perClass(0.5);
        List<DetectionEvaluator.ClassResult> loose = ev.perClass(0.1);
        for (DetectionEvaluator.ClassResult r : strict) {
            double[] pr = r.atScore(threshold);
            System.out.printf(Locale.ROOT, "| %s | %d | %.4f | %.4f | %.3f | %.3f |%n", classes.get(r.classId()),
                    r.truths(), r.ap(), loose.get(r.classId()).ap(), pr[0], pr[1]);
        }
        Map<String, Map<String, Integer>> confusion = confusionRows(ev.confusion(0.5, threshold), classes);
        System.out.println("Where the detections at " + threshold
                + " go (IoU 0.5; rows: truth, columns: detected as; then the detections matching no truth: on nothing,"
                + " and on a defect another detection took, a duplicate or a second class):");
        System.out.println("| truth | " + String.join(" | ", classes) + " | missed |");
        System.out.println("|---" + "|---".repeat(classes.size() + 1) + "|");
        confusion.forEach((truth, row) -> {
            StringBuilder line = new StringBuilder("| " + truth + " |");
            for (String detected : classes) {
                line.append(' ').append(row.get(detected)).append(" |");
            }
            line.append(' ').append(row.containsKey("missed") ? row.get("missed") : "-").append(" |");
            System.out.println(line);
        });
        if (!perClip.isEmpty()) {
            System.out.println("Clip by clip (AP@0.5 per class; - where the clip has none of the class):");
            System.out.println("| clip | mAP@0.5 | mAP@0.5:0.95 | " + String.join(" | ", classes) + " |");
            System.out.println("|---|---|---" + "|---".repeat(classes.size()) + "|");
            perClip.forEach((clip, e) -> {
                StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "| %s | %.4f | %.4f |",
                        clip.getFileName(), e.map(0.5), e.mapCoco()));
                for (DetectionEvaluator.ClassResult c : e.perClass(0.5)) {
                    line.append(c.truths() > 0 ? String.format(Locale.ROOT, " %.3f |", c.ap()) : " - |");
                }
                System.out.println(line);
            });
        }
        if (report != null) {
            Map<String, Object> r = new LinkedHashMap<>();
            if (still != null) {
                r.put("dataset", dataset);
                if (split != null) {
                    r.put("split", split.toString());
                }
                r.put("images", still.dataset().images().size());
            } else {
                r.put("clips", videos.stream().map(v -> v.getFileName().toString()).toList());
                r.put("everyNthFrame", every);
            }
            r.put("map50", round(ev.map(0.5)));
            r.put("map50to95", round(ev.mapCoco()));
            r.put("inferenceMsCpu", round(ms));
            r.put("ap50PerClass", byClass(strict, classes));
            r.put("ap10PerClass", byClass(loose, classes));
            r.put("confusionAtThreshold", Map.of("iou", 0.5, "threshold", threshold, "truthToDetected", confusion));
            if (!perClip.isEmpty()) {
                Map<String, Object> clips = new LinkedHashMap<>();
                perClip.forEach((clip, e) -> clips.put(clip.getFileName().toString(), Map.of("map50",
                        round(e.map(0.5)), "map50to95", round(e.mapCoco()), "ap50PerClass",
                        byClass(e.perClass(0.5).stream().filter(c -> c.truths() > 0).toList(), classes))));
                r.put("perClip", clips);
            }
            AtomicFiles.write(report, new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsBytes(r));
        }
        return 0;
    }

    /** The confusion matrix by name: a row per truth class, then the two rows of unmatched detections (no "missed"). */
    private static Map<String, Map<String, Integer>> confusionRows(int[][] m, List<String> classes) {
        Map<String, Map<String, Integer>> rows = new LinkedHashMap<>();
        List<String> names = new java.util.ArrayList<>(classes);
        names.addAll(List.of("background", "second on a defect")); // rows BACKGROUND and SECOND
        for (int t = 0; t < m.length; t++) {
            Map<String, Integer> row = new LinkedHashMap<>();
            for (int p = 0; p < classes.size(); p++) {
                row.put(classes.get(p), m[t][p]);
            }
            if (t < classes.size()) {
                row.put("missed", m[t][classes.size()]);
            }
            rows.put(names.get(t), row);
        }
        return rows;
    }

    private static Map<String, Object> byClass(List<DetectionEvaluator.ClassResult> results, List<String> classes) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (DetectionEvaluator.ClassResult c : results) {
            out.put(classes.get(c.classId()), round(c.ap()));
        }
        return out;
    }

    private static double round(double v) {
        return Math.round(v * 1e4) / 1e4;
    }
}
