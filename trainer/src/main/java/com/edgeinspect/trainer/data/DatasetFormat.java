package com.edgeinspect.trainer.data;

import com.edgeinspect.core.dataset.Dataset;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * A labelled-image file format. Reading gives the one internal {@link Dataset} plus the folder its image paths are
 * relative to; writing lays out a folder in the format, copying the images. Layouts are documented per format.
 */
public interface DatasetFormat {

    /** A dataset read from disk, with the folder its image paths are relative to. */
    record Loaded(Dataset dataset, Path imageRoot) {}

    String name();

    /**
     * @param classes class names to map labels onto, in order, or null to take them from the input
     */
    Loaded read(Path input, List<String> classes, Problems problems) throws IOException;

    void write(Loaded data, Path outDir) throws IOException;

    /** The formats by name; the error lists the valid ones. */
    static DatasetFormat of(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "coco" -> new CocoFormat();
            case "yolo" -> new YoloFormat();
            case "voc" -> new VocFormat();
            default -> throw new IllegalArgumentException("unknown dataset format '" + name + "'; valid: coco, yolo, voc");
        };
    }
}
