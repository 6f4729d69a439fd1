package com.edgeinspect.trainer.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every kind of bad input gets an error naming the file and the entry; with skip-bad the entry is reported and the
 * rest of the dataset is read.
 */
class MalformedInputTest {

    @TempDir
    Path tmp;

    /** format, file to overwrite (relative), its new content, words the error must contain. */
    static Stream<Arguments> cases() {
        String coco = """
                {"categories": [{"id": 1, "name": "scratch"}],
                 "images": [{"id": 1, "file_name": "plate_a.png", "width": 64, "height": 48}],
                 "annotations": [%s]}""";
        return Stream.of(
                Arguments.of("coco", "annotations.json", coco.formatted("").replace("plate_a.png", "gone.png"),
                        List.of("annotations.json", "images[0] ('gone.png')", "missing")),
                Arguments.of("coco", "annotations.json",
                        coco.formatted("{\"id\": 9, \"image_id\": 1, \"category_id\": 1, \"bbox\": [60, 40, 20, 20]}"),
                        List.of("annotations.json", "annotations[0] (id 9)", "outside the 64x48 image")),
                Arguments.of("coco", "annotations.json",
                        coco.formatted("{\"id\": 4, \"image_id\": 1, \"category_id\": 5, \"bbox\": [1, 1, 2, 2]}"),
                        List.of("annotations[0] (id 4)", "unknown category_id 5")),
                Arguments.of("coco", "annotations.json", "{\"images\": [\n{\"id\": 1,,}]}",
                        List.of("annotations.json", "line 2", "bad JSON")),
                Arguments.of("coco", "annotations.json", "", List.of("annotations.json", "empty")),
                Arguments.of("yolo", "labels/plate_a.txt", "5 0.5 0.5 0.1 0.1\n",
                        List.of("plate_a.txt", "line 1", "unknown class 5 (classes.txt has 2)")),
                Arguments.of("yolo", "labels/plate_a.txt", "0 0.5 0.5 0.1 0.1\n0 0.5 0.5\n",
                        List.of("plate_a.txt", "line 2", "expected 'class cx cy w h'")),
                Arguments.of("yolo", "labels/plate_a.txt", "0 30 20 10 10\n", List.of("line 1", "normalised")),
                Arguments.of("yolo", "labels/plate_a.txt", "1 0.95 0.5 0.3 0.1\n",
                        List.of("plate_a.txt", "line 1", "outside the 64x48 image")),
                Arguments.of("yolo", "classes.txt", "\n", List.of("classes.txt", "empty file")),
                Arguments.of("yolo", "labels/orphan.txt", "0 0.5 0.5 0.1 0.1\n", List.of("orphan.txt", "has no image")),
                Arguments.of("voc", "Annotations/plate_a.xml", "<annotation><object></annotation>",
                        List.of("plate_a.xml", "bad XML")),
                Arguments.of("voc", "Annotations/plate_a.xml", "", List.of("plate_a.xml", "empty file")),
                Arguments.of("voc", "Annotations/plate_a.xml",
                        "<annotation><filename>nope.jpg</filename></annotation>",
                        List.of("plate_a.xml", "nope.jpg", "image not found")),
                Arguments.of("voc", "Annotations/plate_a.xml", "<annotation><filename>plate_a.jpg</filename>"
                        + "<object><name>scratch</name><bndbox><xmin>1</xmin><ymin>1</ymin><xmax>99</xmax>"
                        + "<ymax>9</ymax></bndbox></object></annotation>",
                        List.of("plate_a.xml", "object[1] ('scratch')", "outside the 64x48 image")),
                Arguments.of("voc", "Annotations/plate_a.xml", "<annotation><filename>plate_a.jpg</filename>"
                        + "<object><name>scratch</name><bndbox><xmin>a</xmin></bndbox></object></annotation>",
                        List.of("plate_a.xml", "object[1] <xmin>", "not a number")),
                Arguments.of("voc", "Annotations/plate_a.xml", "<!DOCTYPE a [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>"
                        + "<annotation>&x;</annotation>", List.of("plate_a.xml", "bad XML")));
    }

    @ParameterizedTest(name = "{0} {1}: {3}")
    @MethodSource("cases")
    void badInputNamesFileAndEntry(String format, String file, String content, List<String> words) throws Exception {
        Path dir = copy(format);
        Files.writeString(dir.resolve(file), content, StandardCharsets.UTF_8);
        assertThatThrownBy(() -> DatasetFormat.of(format).read(dir, null, Problems.strict()))
                .isInstanceOf(DatasetException.class)
                .satisfies(e -> assertThat(e.getMessage()).contains(words));
    }

    @Test
    void unknownClassAgainstAGivenClassList() throws Exception {
        Path dir = copy("voc");
        assertThatThrownBy(() -> DatasetFormat.of("voc").read(dir, List.of("scratch"), Problems.strict()))
                .hasMessageContaining("plate_a.xml").hasMessageContaining("object[2] ('stain')")
                .hasMessageContaining("unknown class 'stain'");
    }

    @Test
    void skipBadReportsAndKeepsTheRest() throws Exception {
        Path dir = copy("yolo");
        Files.writeString(dir.resolve("labels/plate_a.txt"), "0 0.5 0.5 1.0 1.0\n7 0.5 0.5 0.1 0.1\n");
        Problems problems = Problems.skipBad();
        DatasetFormat.Loaded d = DatasetFormat.of("yolo").read(dir, null, problems);
        assertThat(d.dataset().images()).hasSize(2);
        assertThat(d.dataset().annotationCount()).isEqualTo(2);
        assertThat(problems.skipped()).singleElement().asString().contains("plate_a.txt", "line 2", "unknown class 7");
    }

    @Test
    void unknownFormatListsTheValidOnes() {
        assertThatThrownBy(() -> DatasetFormat.of("pascal")).hasMessageContaining("coco, yolo, voc");
    }

    private Path copy(String format) throws IOException, Exception {
        Path src = HandWrittenFilesTest.resource(format);
        Path dst = tmp.resolve(format);
        try (Stream<Path> s = Files.walk(src)) {
            for (Path p : s.toList()) {
                Path t = dst.resolve(src.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(t);
                } else {
                    Files.copy(p, t);
                }
            }
        }
        return dst;
    }
}
