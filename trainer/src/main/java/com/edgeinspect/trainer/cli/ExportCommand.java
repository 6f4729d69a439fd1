package com.edgeinspect.trainer.cli;

import com.edgeinspect.trainer.export.OnnxExporter;
import com.edgeinspect.trainer.model.Detector;
import com.edgeinspect.trainer.train.Checkpoints;
import com.edgeinspect.trainer.train.RunConfig;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code trainer export}: a run's network as ONNX (BatchNorm folded, opset 17). */
@Command(name = "export", mixinStandardHelpOptions = true, description = "Export a run's trained network to ONNX.")
final class ExportCommand implements Callable<Integer> {

    @Option(names = "--run", required = true, description = "run directory")
    Path run;

    @Option(names = "--out", required = true, description = "ONNX file to write")
    Path out;

    @Override
    public Integer call() throws Exception {
        RunConfig c = RunConfig.read(run);
        Detector d = Checkpoints.load(run);
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("classes", new ObjectMapper().writeValueAsString(c.classes()));
        meta.put("spec", d.spec().toString());
        meta.put("stage", c.stage());
        OnnxExporter.write(d, meta, out);
        System.out.printf("wrote %s (%d bytes, %.2f GMAC per 1920x1088 frame)%n", out, Files.size(out),
                d.spec().macs(1088, 1920) / 1e9);
        return 0;
    }
}
