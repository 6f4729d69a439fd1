package com.edgeinspect.core.dataset;

/**
 * One labelled object in an image.
 *
 * @param classId index into {@link Dataset#classes()}
 * @param box where it is
 * @param crowd COCO's {@code iscrowd}: a region holding many objects, ignored when scoring detections
 * @param trackId the physical object this label belongs to across video frames, or -1 for still images
 */
public record Annotation(int classId, Box box, boolean crowd, long trackId) {

    public Annotation(int classId, Box box) {
        this(classId, box, false, -1);
    }
}
