package com.edgeinspect.core.dataset;

import java.util.List;

/**
 * One image of a dataset: its file (relative to the dataset's image root, '/'-separated), its size and its labels.
 */
public record ImageEntry(String file, int width, int height, List<Annotation> annotations) {

    public ImageEntry {
        if (width <= 0 || height <= 0) {
            throw new IllegalArgumentException("image '" + file + "' has no size: " + width + "x" + height);
        }
        annotations = List.copyOf(annotations);
    }
}
