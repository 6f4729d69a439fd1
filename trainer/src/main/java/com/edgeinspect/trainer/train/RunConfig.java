package com.edgeinspect.trainer.train;

import com.edgeinspect.core.io.AtomicFiles;
import com.edgeinspect.trainer.model.DetectorSpec;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * What a training run was asked to do, saved as {@code config.json} in its run directory: enough to rebuild the
 * model for resume, export or evaluation, and the provenance an exported bundle carries.
 *
 * @param stage train-teacher or distill
 * @param classes class names, in class-id order
 * @param spec the network's shape
 * @param settings the optimisation plan
 * @param data where the samples came from
 * @param crop training crop side
 * @param teacher the teacher's shape, for distillation runs (null otherwise)
 */
public record RunConfig(String stage, List<String> classes, DetectorSpec spec, FitLoop.Settings settings,
        List<String> data, int crop, DetectorSpec teacher) {

    public static final String FILE = "config.json";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    public void write(Path runDir) throws IOException {
        AtomicFiles.write(runDir.resolve(FILE), JSON.writeValueAsBytes(this));
    }

    public static RunConfig read(Path runDir) throws IOException {
        Path f = runDir.resolve(FILE);
        if (!Files.isRegularFile(f)) {
            throw new IOException(runDir + ": not a run directory (no " + FILE + ")");
        }
        try {
            return JSON.readValue(f.toFile(), RunConfig.class);
        } catch (IOException e) {
            throw new IOException(f + ": " + e.getMessage(), e);
        }
    }
}
