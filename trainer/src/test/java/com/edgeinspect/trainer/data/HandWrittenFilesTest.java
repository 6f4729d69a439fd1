package com.edgeinspect.trainer.data;

import static org.assertj.core.api.Assertions.assertThat;

import com.edgeinspect.core.dataset.Annotation;
import com.edgeinspect.core.dataset.Box;
import com.edgeinspect.core.dataset.Dataset;
import com.edgeinspect.core.dataset.ImageEntry;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Hand-written files in each format, with the conventions that trip converters up, read to exact boxes. */
class HandWrittenFilesTest {

    static Path resource(String name) throws Exception {
        return Path.of(HandWrittenFilesTest.class.getResource("/datasets/" + name).toURI());
    }

    static ImageEntry image(Dataset d, String file) {
        return d.images().stream().filter(i -> i.file().equals(file)).findFirst().orElseThrow();
    }

    @Test
    void cocoKeepsCategoryOrderByIdFractionalBoxesAndIscrowd() throws Exception {
        Dataset d = DatasetFormat.of("coco").read(resource("coco"), null, Problems.strict()).dataset();
        assertThat(d.classes()).containsExactly("scratch", "stain"); // id 3 before id 7
        ImageEntry a = image(d, "plate_a.png");
        assertThat(a.width()).isEqualTo(64);
        assertThat(a.annotations()).containsExactly(
                new Annotation(0, new Box(2.5, 3.25, 22.5, 13.75), false, -1),
                new Annotation(1, new Box(40, 30, 64, 48), true, -1));
        assertThat(image(d, "disc_b.png").annotations()).containsExactly(new Annotation(1, new Box(0, 0, 80, 60)));
    }

    @Test
    void yoloNormalisedCentresBecomePixelEdges() throws Exception {
        Dataset d = DatasetFormat.of("yolo").read(resource("yolo"), null, Problems.strict()).dataset();
        assertThat(d.classes()).containsExactly("scratch", "stain");
        assertThat(image(d, "plate_a.png").annotations()).containsExactly(
                new Annotation(0, new Box(0, 0, 64, 48)), new Annotation(1, new Box(12, 6, 20, 18)));
        ImageEntry b = image(d, "sub/disc_b.jpg");
        assertThat(b.width()).isEqualTo(80);
        assertThat(b.height()).isEqualTo(60);
        assertThat(b.annotations()).hasSize(1);
        Box box = b.annotations().get(0).box();
        assertThat(box.x1()).isCloseTo(16, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(box.y2()).isCloseTo(18, org.assertj.core.data.Offset.offset(1e-9));
    }

    @Test
    void vocOneBasedInclusiveCoordinatesCoverTheWholeImage() throws Exception {
        Dataset d = DatasetFormat.of("voc").read(resource("voc"), null, Problems.strict()).dataset();
        assertThat(d.classes()).containsExactly("scratch", "stain");
        assertThat(image(d, "plate_a.jpg").annotations()).containsExactly(
                new Annotation(0, new Box(0, 0, 64, 48), false, -1),
                new Annotation(1, new Box(10, 20, 20, 30), true, -1)); // difficult -> not scored, like crowd
        // No <size> and a filename without extension: found by stem, size read from the PNG header.
        ImageEntry b = image(d, "disc_b.png");
        assertThat(b.width()).isEqualTo(80);
        assertThat(b.annotations()).containsExactly(new Annotation(0, new Box(4, 5, 25, 16)));
    }
}
