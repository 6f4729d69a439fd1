package com.edgeinspect.core.dataset;

import java.util.List;

/**
 * The one in-memory model of a labelled image dataset. Every file format (COCO, YOLO, Pascal VOC, annotated video)
 * reads into it and writes from it, so converting between formats is read-then-write.
 *
 * @param classes class names; an annotation's classId indexes this list
 * @param images images in a stable order
 */
public record Dataset(List<String> classes, List<ImageEntry> images) {

    public Dataset {
        classes = List.copyOf(classes);
        images = List.copyOf(images);
        for (ImageEntry image : images) {
            for (Annotation a : image.annotations()) {
                if (a.classId() < 0 || a.classId() >= classes.size()) {
                    throw new IllegalArgumentException("image '" + image.file() + "': class id " + a.classId()
                            + " is not one of the " + classes.size() + " classes " + classes);
                }
            }
        }
    }

    public int annotationCount() {
        return images.stream().mapToInt(i -> i.annotations().size()).sum();
    }
}
