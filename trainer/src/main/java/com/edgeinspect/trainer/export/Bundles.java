package com.edgeinspect.trainer.export;

import com.edgeinspect.core.bundle.BundleWriter;
import com.edgeinspect.core.bundle.Manifest;
import com.edgeinspect.core.bundle.ModelContract;
import com.edgeinspect.core.detect.CenterNetDecoder;
import com.edgeinspect.core.detect.DetectorOutputs;
import com.edgeinspect.core.detect.OrtDetector;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The manifest every bundle the trainer writes shares, and the throwaway bundles that carry a model to be timed. */
public final class Bundles {

    private Bundles() {}

    /** A manifest for {@code model.onnx} (and the early-exit graphs, if {@code exit} is given) in {@code files}. */
    public static Manifest manifest(String name, String version, byte[] onnx, String where, Manifest.EarlyExit exit,
            List<String> classes, Manifest.Thresholds thresholds, List<Manifest.Golden> golden,
            Map<String, Object> evaluation, Map<String, Object> provenance)
            throws com.edgeinspect.core.bundle.BundleException {
        return new Manifest(Manifest.FORMAT, name, version, Instant.now().truncatedTo(ChronoUnit.SECONDS).toString(),
                new Manifest.Model("model.onnx", DetectorOutputs.INPUT, DetectorOutputs.MEAN, DetectorOutputs.STD,
                        DetectorOutputs.ALIGN, DetectorOutputs.STRIDE,
                        List.of(DetectorOutputs.HEATMAP, DetectorOutputs.SIZE, DetectorOutputs.OFFSET),
                        OnnxExporter.OPSET, ModelContract.precision(onnx, where), exit),
                classes, thresholds, null, golden, evaluation, provenance);
    }

    /**
     * Puts {@code model.onnx} and its golden cases (a real crop from {@code goldenClip} if given, and a random input)
     * into a bundle's {@code files}; returns the cases for the manifest.
     */
    public static List<Manifest.Golden> modelFiles(byte[] onnx, int classes, Path goldenClip,
            Map<String, byte[]> files) throws Exception {
        files.put("model.onnx", onnx);
        try (OrtDetector d = new OrtDetector(onnx, classes, List.of(OrtDetector.Provider.CPU), 2,
                new CenterNetDecoder(0.5f, 1))) {
            return GoldenCases.make(d, goldenClip, files);
        }
    }

    /**
     * A signed bundle holding only a model and its golden cases from {@code goldenClip}: what a box needs to verify,
     * smoke-test and time it ({@code cmd/benchmark}); never meant to be installed.
     */
    public static byte[] forTiming(byte[] onnx, String name, List<String> classes, Path goldenClip, KeyPair key)
            throws Exception {
        Map<String, byte[]> files = new LinkedHashMap<>();
        List<Manifest.Golden> golden = modelFiles(onnx, classes.size(), goldenClip, files);
        Manifest m = manifest(name, "0.0.0-timing", onnx, name, null, classes, new Manifest.Thresholds(0.5, 0.5),
                golden, null, Map.of("tool", "edgeinspect trainer 0.1", "purpose", "timing"));
        Path tmp = Files.createTempFile("timing", ".vimodel");
        try {
            BundleWriter.write(tmp, m, files, key);
            return Files.readAllBytes(tmp);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
