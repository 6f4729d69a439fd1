package com.edgeinspect.trainer.cli;

import com.edgeinspect.core.bundle.Bundle;
import com.edgeinspect.core.bundle.BundleWriter;
import com.edgeinspect.core.bundle.Keys;
import com.edgeinspect.core.bundle.Manifest;
import com.edgeinspect.core.bundle.SmokeTest;
import com.edgeinspect.core.detect.CenterNetDecoder;
import com.edgeinspect.core.detect.OrtDetector;
import com.edgeinspect.trainer.export.Bundles;
import com.edgeinspect.trainer.gate.GateThreshold;
import com.edgeinspect.trainer.train.RunConfig;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code trainer bundle}: an exported model, its smoke tests, metrics and provenance, signed, in one file. */
@Command(name = "bundle", mixinStandardHelpOptions = true,
        description = "Package an exported ONNX model as a signed bundle (.vimodel) that appliances verify and install.")
final class BundleCommand implements Callable<Integer> {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Option(names = "--run", required = true, description = "the run directory the model was exported from")
    Path run;

    @Option(names = "--model", required = true, description = "the exported ONNX file")
    Path model;

    @Option(names = "--key", description = "private signing key NAME.key, with NAME.pub beside it (trainer keys); without it the "
            + "bundle is unsigned")
    Path key;

    @Option(names = "--name", defaultValue = "defect-detector", description = "model name (default ${DEFAULT-VALUE})")
    String name;

    @Option(names = "--version", required = true, description = "model version, unique per name")
    String version;

    @Option(names = "--metrics", description = "evaluation report to include (trainer eval --report)")
    Path metrics;

    @Option(names = "--golden-clip", description = "annotated clip to cut the real smoke-test case from")
    Path goldenClip;

    @Option(names = "--detection-threshold", defaultValue = "0.3", description = "default ${DEFAULT-VALUE}")
    double detectionThreshold;

    @Option(names = "--alert-threshold", defaultValue = "0.4", description = "default ${DEFAULT-VALUE}")
    double alertThreshold;

    @Option(names = "--out", required = true, description = "bundle file to write (.vimodel)")
    Path out;

    @Option(names = "--no-early-exit", description = "leave out the early-exit form even when the run has a gate")
    boolean noEarlyExit;

    @Option(names = "--gate-threshold", description = "gate score below which frames exit (default: the run's "
            + "calibrated threshold)")
    Double gateThreshold;

    @Override
    public Integer call() throws Exception {
        RunConfig config = RunConfig.read(run);
        byte[] onnx = Files.readAllBytes(model);
        KeyPair signer = key == null ? null : Keys.readPair(key);
        Map<String, byte[]> files = new LinkedHashMap<>();
        List<Manifest.Golden> golden = Bundles.modelFiles(onnx, config.classes().size(), goldenClip, files);
        Manifest.EarlyExit exit = earlyExit(files);
        Map<String, Object> provenance = new LinkedHashMap<>();
        provenance.put("run", JSON.readValue(run.resolve(RunConfig.FILE).toFile(), new TypeReference<Map<String, Object>>() {}));
        provenance.put("onnx", model.getFileName().toString());
        provenance.put("tool", "edgeinspect trainer 0.1");
        Map<String, Object> evaluation = metrics == null ? null
                : JSON.readValue(metrics.toFile(), new TypeReference<Map<String, Object>>() {});
        Manifest m = Bundles.manifest(name, version, onnx, model.toString(), exit, config.classes(),
                new Manifest.Thresholds(detectionThreshold, alertThreshold), golden, evaluation, provenance);
        BundleWriter.write(out, m, files, signer);
        if (exit != null) {
            stagesReproduce(signer);
        }
        System.out.printf("wrote %s (%d bytes): %s %s, %d golden case(s), %s%s%n", out, Files.size(out), name, version,
                golden.size(), signer == null ? "UNSIGNED" : "signed by key " + Keys.id(signer.getPublic()),
                exit == null ? "" : String.format(java.util.Locale.ROOT, ", early exit below gate %.3f",
                        exit.threshold()));
        return 0;
    }

    /** The early-exit form when the run has a gate (its two graphs added to {@code files}), else null. */
    private Manifest.EarlyExit earlyExit(Map<String, byte[]> files) throws java.io.IOException {
        if (noEarlyExit || !Files.exists(GateThreshold.file(run))) {
            return null;
        }
        String[] names = {"stage-one.onnx", "stage-two.onnx"};
        for (int i = 0; i < 2; i++) {
            Path stage = ExportCommand.stageFile(model, i);
            if (!Files.isRegularFile(stage)) {
                throw new IllegalArgumentException(run + " has an early-exit gate but " + stage + " is missing: export "
                        + "the run again, or pass --no-early-exit");
            }
            files.put(names[i], Files.readAllBytes(stage));
        }
        double t = gateThreshold != null ? gateThreshold : GateThreshold.read(run).threshold();
        return new Manifest.EarlyExit(names[0], names[1], t);
    }

    /** Reads the bundle back and runs its golden cases through the two graphs: they must give the whole graph's outputs. */
    private void stagesReproduce(KeyPair signer) throws Exception {
        Bundle b = Bundle.read(out, new Bundle.Trust(signer == null ? List.of() : List.of(signer.getPublic()),
                signer == null, Long.MAX_VALUE));
        try (OrtDetector d = new OrtDetector(b.model(), b.stages(), b.manifest().classes().size(),
                List.of(OrtDetector.Provider.CPU), 2, Map.of(), new CenterNetDecoder(0.5f, 1))) {
            SmokeTest.run(b, d);
        }
    }
}
