package com.edgeinspect.trainer.data;

import static org.assertj.core.api.Assertions.assertThat;

import com.edgeinspect.core.dataset.Annotation;
import com.edgeinspect.core.dataset.Dataset;
import com.edgeinspect.core.dataset.ImageEntry;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** COCO -> YOLO -> VOC -> COCO keeps every box within a pixel (VOC stores integers). */
class RoundTripTest {

    @TempDir
    Path tmp;

    @Test
    void cocoToYoloToVocToCocoKeepsBoxesWithinOnePixel() throws Exception {
        DatasetFormat.Loaded start = DatasetFormat.of("coco").read(HandWrittenFilesTest.resource("coco"), null,
                Problems.strict());
        DatasetFormat.Loaded now = start;
        for (String format : List.of("yolo", "voc", "coco")) {
            Path out = tmp.resolve(format);
            DatasetFormat.of(format).write(now, out);
            now = DatasetFormat.of(format).read(out, start.dataset().classes(), Problems.strict());
        }
        Dataset a = start.dataset();
        Dataset b = now.dataset();
        assertThat(b.classes()).isEqualTo(a.classes());
        assertThat(b.images()).hasSameSizeAs(a.images());
        for (ImageEntry before : a.images()) {
            ImageEntry after = HandWrittenFilesTest.image(b, before.file());
            assertThat(after.width()).isEqualTo(before.width());
            // YOLO cannot carry crowd regions: they are dropped on the way, everything else survives.
            List<Annotation> kept = before.annotations().stream().filter(x -> !x.crowd()).toList();
            assertThat(after.annotations()).hasSameSizeAs(kept);
            for (int i = 0; i < kept.size(); i++) {
                Annotation x = kept.get(i);
                Annotation y = after.annotations().get(i);
                assertThat(y.classId()).isEqualTo(x.classId());
                assertThat(Math.abs(y.box().x1() - x.box().x1())).isLessThanOrEqualTo(1.0);
                assertThat(Math.abs(y.box().y1() - x.box().y1())).isLessThanOrEqualTo(1.0);
                assertThat(Math.abs(y.box().x2() - x.box().x2())).isLessThanOrEqualTo(1.0);
                assertThat(Math.abs(y.box().y2() - x.box().y2())).isLessThanOrEqualTo(1.0);
            }
        }
    }

    @Test
    void vocToCocoToVocIsExactForIntegerBoxes() throws Exception {
        DatasetFormat.Loaded voc = DatasetFormat.of("voc").read(HandWrittenFilesTest.resource("voc"), null,
                Problems.strict());
        DatasetFormat.of("coco").write(voc, tmp.resolve("c"));
        DatasetFormat.Loaded coco = DatasetFormat.of("coco").read(tmp.resolve("c"), null, Problems.strict());
        DatasetFormat.of("voc").write(coco, tmp.resolve("v"));
        DatasetFormat.Loaded back = DatasetFormat.of("voc").read(tmp.resolve("v"), null, Problems.strict());
        assertThat(back.dataset().images().stream().map(ImageEntry::annotations).toList())
                .isEqualTo(voc.dataset().images().stream().map(ImageEntry::annotations).toList());
    }
}
