package com.edgeinspect.trainer.cli;

import ai.onnx.proto.OnnxMl.ModelProto;
import com.edgeinspect.trainer.export.CpuQdq;
import com.edgeinspect.trainer.export.OnnxExporter;
import com.edgeinspect.trainer.gate.GateThreshold;
import com.edgeinspect.trainer.model.Gate;
import com.edgeinspect.trainer.model.Detector;
import com.edgeinspect.trainer.quant.QuantModel;
import com.edgeinspect.trainer.train.Checkpoints;
import com.edgeinspect.trainer.train.RunConfig;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code trainer export}: a run's network as ONNX (BatchNorm folded, opset 17). */
@Command(name = "export", mixinStandardHelpOptions = true, description = "Export a run's trained network to ONNX: float, or int8 QDQ for a quantize run.")
final class ExportCommand implements Callable<Integer> {

    @Option(names = "--run", required = true, description = "run directory")
    Path run;

    @Option(names = "--out", required = true, description = "ONNX file to write")
    Path out;

    @Option(names = "--target", defaultValue = "tensorrt",
            description = "int8 runs only: tensorrt (QDQ on convolution inputs, float biases; the Jetson) or cpu "
                    + "(rewritten for ONNX Runtime's CPU int8 kernels) (default ${DEFAULT-VALUE})")
    String target;

    @Override
    public Integer call() throws Exception {
        if (!target.equals("tensorrt") && !target.equals("cpu")) {
            throw new IllegalArgumentException("--target: expected tensorrt or cpu, got '" + target + "'");
        }
        RunConfig c = RunConfig.read(run);
        boolean int8 = c.stage().equals(Checkpoints.QUANTIZE);
        QuantModel q = int8 ? Checkpoints.loadQuantized(run) : null;
        Detector d = int8 ? q.student() : Checkpoints.load(run);
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("classes", new ObjectMapper().writeValueAsString(c.classes()));
        meta.put("spec", d.spec().toString());
        meta.put("stage", c.stage());
        if (!int8 && target.equals("cpu")) {
            throw new IllegalArgumentException("--target cpu: " + run + " is a float run (quantize it first)");
        }
        meta.put("precision", int8 ? "int8" : "fp32");
        if (int8) {
            meta.put("target", target);
        }
        ModelProto m = OnnxExporter.toOnnx(d, meta, int8 ? q.scales() : null);
        OnnxExporter.write(target.equals("cpu") ? CpuQdq.rewrite(m) : m, out);
        System.out.printf("wrote %s (%s, %d bytes, %.2f GMAC per 1920x1088 frame)%n", out,
                int8 ? "int8 QDQ for " + target : "fp32", Files.size(out), d.spec().macs(1088, 1920) / 1e9);
        if (Files.exists(GateThreshold.file(run))) {
            List<ModelProto> stages = OnnxExporter.stages(d, Checkpoints.loadGate(run), meta);
            for (int i = 0; i < 2; i++) {
                OnnxExporter.write(stages.get(i), stageFile(out, i));
            }
            long early = d.spec().earlyMacs(1088, 1920);
            long gate = Gate.macs(d.spec(), 1088, 1920);
            System.out.printf("wrote the early-exit form: %s (stem, first stage and gate, %.2f GMAC), %s (the rest, "
                    + "%.2f GMAC on a whole frame)%n", stageFile(out, 0), (early + gate) / 1e9, stageFile(out, 1),
                    (d.spec().macs(1088, 1920) - early) / 1e9);
        }
        return 0;
    }

    /** Where the early-exit form of {@code model} is written: {@code X.stage-one.onnx}, {@code X.stage-two.onnx}. */
    static Path stageFile(Path model, int stage) {
        String name = model.getFileName().toString().replaceFirst("\\.onnx$", "");
        return model.resolveSibling(name + (stage == 0 ? ".stage-one.onnx" : ".stage-two.onnx"));
    }
}
