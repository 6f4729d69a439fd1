package com.edgeinspect.appliance.model;

import ai.onnxruntime.OrtException;
import com.edgeinspect.core.bundle.Bundle;
import com.edgeinspect.core.detect.OrtDetector;
import java.util.List;

/** A verified bundle with its running ONNX Runtime session: what a stream worker infers with. */
public record LoadedModel(Bundle bundle, OrtDetector detector) implements AutoCloseable {

    public String version() {
        return bundle.manifest().version();
    }

    public String name() {
        return bundle.manifest().name();
    }

    public List<String> classes() {
        return bundle.manifest().classes();
    }

    @Override
    public void close() throws OrtException {
        detector.close();
    }
}
