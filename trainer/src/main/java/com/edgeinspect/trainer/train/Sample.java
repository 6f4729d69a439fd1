package com.edgeinspect.trainer.train;

import com.edgeinspect.core.dataset.Annotation;
import java.util.List;

/**
 * One training image held in memory: packed RGB (3 bytes per pixel, row-major) and its labels in its own pixel
 * coordinates. Crowd labels mark regions the loss ignores.
 */
public record Sample(byte[] rgb, int width, int height, List<Annotation> labels) {

    public Sample {
        if (rgb.length != width * height * 3) {
            throw new IllegalArgumentException("sample of " + width + "x" + height + " needs " + width * height * 3
                    + " bytes, got " + rgb.length);
        }
        labels = List.copyOf(labels);
    }
}
