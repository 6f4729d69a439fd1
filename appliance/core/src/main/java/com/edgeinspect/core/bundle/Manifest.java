package com.edgeinspect.core.bundle;

import com.edgeinspect.core.detect.DetectorOutputs;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * {@code manifest.json} of a model bundle (schema: {@code schemas/manifest.schema.json}): what the model is, how to
 * feed it, how to read it, the SHA-256 of every other file in the bundle, golden inputs with the outputs they must
 * give, and where the model came from. The signature covers these exact bytes, so the manifest vouches for the
 * whole bundle.
 *
 * @param name model family, e.g. {@code defect-student}
 * @param version unique per name; devices refuse to reinstall an older or equal one unless told to
 * @param created ISO-8601 UTC
 * @param classes class names in output channel order
 * @param files bundle path to lowercase hex SHA-256, for every file except manifest.json and manifest.sig
 * @param metrics evaluation results (e.g. mAP@0.5 on the test clips)
 * @param provenance training run, data, teacher, tool versions
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Manifest(String format, String name, String version, String created, Model model,
        List<String> classes, Thresholds thresholds, Map<String, String> files, List<Golden> golden,
        Map<String, Object> metrics, Map<String, Object> provenance) {

    public static final String FORMAT = "edgeinspect-bundle/1";
    /** The most classes a model may have (trackers size their class votes by it). */
    public static final int MAX_CLASSES = 256;
    static final String FILE = "manifest.json";
    static final String SIGNATURE = "manifest.sig";

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(SerializationFeature.INDENT_OUTPUT);

    /**
     * @param file the ONNX graph inside the bundle
     * @param input the input tensor's name; it must take NCHW RGB normalised as {@link DetectorOutputs} says
     * @param mean and {@code std}: the normalisation, repeated so a device can refuse a model it would feed wrongly
     * @param align input sides must be multiples of this
     * @param stride pixels per output cell
     * @param outputs output names: heatmap, size, offset
     * @param opset the ONNX opset the graph needs
     * @param precision {@code fp32}, {@code fp16} or {@code int8} (QDQ)
     * @param earlyExit the model's two-graph form with a gate, or null
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Model(String file, String input, double mean, double std, int align, int stride,
            List<String> outputs, int opset, String precision, EarlyExit earlyExit) {}

    /**
     * The early-exit form of the model (see {@link DetectorOutputs}): frames whose gate scores below
     * {@code threshold} skip the second graph and have no detections.
     *
     * @param stageOne bundle path of the graph from image to gate and features
     * @param stageTwo bundle path of the graph from features to heatmap, size and offset
     */
    public record EarlyExit(String stageOne, String stageTwo, double threshold) {}

    /**
     * @param detection peaks below this score are not detections
     * @param alert a part's mean score must reach this to raise an alert
     */
    public record Thresholds(double detection, double alert) {}

    /**
     * One smoke-test case: an input tensor and the outputs the model must reproduce within {@code tolerance}.
     *
     * @param input bundle path of the input (raw little-endian float32)
     * @param shape the input's shape
     * @param outputs output name to the bundle path of its expected values (raw little-endian float32)
     */
    public record Golden(String input, List<Long> shape, Map<String, String> outputs, double tolerance) {}

    public byte[] toJson() {
        try {
            return JSON.writeValueAsBytes(this);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    public Manifest withFiles(Map<String, String> hashes) {
        return new Manifest(format, name, version, created, model, classes, thresholds, hashes, golden, metrics,
                provenance);
    }

    /** Parses and checks a manifest; {@code where} names its origin in errors. */
    public static Manifest parse(byte[] json, String where) throws BundleException {
        Manifest m;
        try {
            m = JSON.readValue(json, Manifest.class);
        } catch (IOException e) {
            throw new BundleException(where + ": manifest.json is not a valid manifest: " + (e instanceof com.fasterxml.jackson.core.JsonProcessingException j ? j.getOriginalMessage() : e.getMessage()));
        }
        if (m == null) {
            throw new BundleException(where + ": manifest.json is empty");
        }
        m.check(where);
        return m;
    }

    private void check(String where) throws BundleException {
        require(FORMAT.equals(format), where, "format", "must be " + FORMAT + ", got " + format);
        require(name != null && name.matches("[A-Za-z0-9_.-]{1,64}"), where, "name", "must be 1-64 of A-Z a-z 0-9 _ . -");
        require(version != null && version.matches("[A-Za-z0-9_.+-]{1,64}"), where, "version",
                "must be 1-64 of A-Z a-z 0-9 _ . + -");
        require(created != null, where, "created", "is required");
        require(classes != null && !classes.isEmpty() && classes.size() <= MAX_CLASSES
                && classes.stream().allMatch(Objects::nonNull), where, "classes", "must list 1 to " + MAX_CLASSES
                + " classes");
        require(model != null && model.file() != null, where, "model.file", "is required");
        require(DetectorOutputs.INPUT.equals(model.input()), where, "model.input",
                "must be '" + DetectorOutputs.INPUT + "', got '" + model.input() + "'");
        require(model.mean() == DetectorOutputs.MEAN && model.std() == DetectorOutputs.STD, where, "model.mean/std",
                "this appliance feeds mean " + DetectorOutputs.MEAN + ", std " + DetectorOutputs.STD);
        require(model.align() == DetectorOutputs.ALIGN && model.stride() == DetectorOutputs.STRIDE, where,
                "model.align/stride", "this appliance supports align " + DetectorOutputs.ALIGN + ", stride "
                        + DetectorOutputs.STRIDE);
        require(model.outputs() != null && model.outputs().containsAll(
                List.of(DetectorOutputs.HEATMAP, DetectorOutputs.SIZE, DetectorOutputs.OFFSET)), where,
                "model.outputs", "must include heatmap, size and offset");
        require(model.opset() >= 7 && model.opset() <= 17, where, "model.opset", "must be in [7, 17]");
        require(List.of("fp32", "fp16", "int8").contains(model.precision()), where, "model.precision",
                "must be fp32, fp16 or int8");
        require(thresholds != null && thresholds.detection() > 0 && thresholds.detection() < 1
                && thresholds.alert() >= 0 && thresholds.alert() <= 1, where, "thresholds",
                "detection in (0, 1) and alert in [0, 1] are required");
        require(files != null && files.containsKey(model.file()), where, "files", "must hold the model's hash");
        EarlyExit exit = model.earlyExit();
        if (exit != null) {
            require(exit.stageOne() != null && files.containsKey(exit.stageOne()) && exit.stageTwo() != null
                    && files.containsKey(exit.stageTwo()), where, "model.earlyExit", "must name two listed graphs");
            require(exit.threshold() > 0 && exit.threshold() < 1, where, "model.earlyExit.threshold",
                    "must be in (0, 1), got " + exit.threshold());
        }
        for (Map.Entry<String, String> f : files.entrySet()) {
            require(f.getValue() != null && f.getValue().matches("[0-9a-f]{64}"), where, "files." + f.getKey(),
                    "must be a lowercase hex SHA-256");
        }
        require(golden != null && !golden.isEmpty(), where, "golden", "needs at least one smoke-test case");
        for (int i = 0; i < golden.size(); i++) {
            Golden g = golden.get(i);
            String at = "golden[" + i + "]";
            require(g.input() != null && files.containsKey(g.input()), where, at + ".input", "must be a listed file");
            require(g.shape() != null && g.shape().size() == 4 && g.shape().stream().allMatch(d -> d != null && d > 0),
                    where, at + ".shape", "must be 4 positive dimensions");
            require(g.outputs() != null && !g.outputs().isEmpty() && files.keySet().containsAll(g.outputs().values()),
                    where, at + ".outputs", "must name listed files");
            require(g.tolerance() > 0, where, at + ".tolerance", "must be positive");
        }
    }

    private static void require(boolean ok, String where, String key, String message) throws BundleException {
        if (!ok) {
            throw new BundleException(where + ": manifest " + key + ": " + message);
        }
    }
}
