package com.edgeinspect.core.dataset;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VideoAnnotationsTest {

    @TempDir
    Path tmp;

    static VideoAnnotations sample() {
        return new VideoAnnotations(VideoAnnotations.FORMAT, new VideoAnnotations.Video("a.mp4", 100, 50, 30, 2),
                List.of("scratch", "pit"), Map.of("seed", 1),
                List.of(new VideoAnnotations.Part(1, "disc", true, 0, 1)),
                List.of(new VideoAnnotations.Defect(5, 1, 1, 12, 0.5)),
                List.of(new VideoAnnotations.FrameLabels(0, List.of(new VideoAnnotations.PartBox(1, new Box(0, 0, 40, 40))),
                        List.of(new VideoAnnotations.DefectBox(5, new Box(10, 10, 22, 20), 1.0))),
                        new VideoAnnotations.FrameLabels(1, List.of(), List.of())));
    }

    @Test
    void roundTripsThroughItsFileAtomically() throws Exception {
        Path f = tmp.resolve("a.json");
        sample().write(f);
        assertThat(VideoAnnotations.read(f)).isEqualTo(sample());
        assertThat(VideoAnnotations.readBeside(tmp.resolve("a.mp4"))).isEqualTo(sample());
        try (var s = Files.list(tmp)) {
            assertThat(s.map(p -> p.getFileName().toString())).containsExactly("a.json");
        }
    }

    @Test
    void truncatedFileNamesTheFile() throws Exception {
        Path f = tmp.resolve("a.json");
        sample().write(f);
        byte[] all = Files.readAllBytes(f);
        Files.write(f, java.util.Arrays.copyOf(all, all.length / 2));
        assertThatThrownBy(() -> VideoAnnotations.read(f)).hasMessageContaining(f.toString());
    }

    @Test
    void inconsistentContentNamesTheEntry() throws Exception {
        Path f = tmp.resolve("a.json");
        String good = new String(Files.readAllBytes(write(f)));
        Files.writeString(f, good.replace("\"classId\":1", "\"classId\":7"));
        assertThatThrownBy(() -> VideoAnnotations.read(f)).hasMessageContaining("defects[0] (id 5) has class 7");
        Files.writeString(f, good.replace("\"frames\":2", "\"frames\":3"));
        assertThatThrownBy(() -> VideoAnnotations.read(f)).hasMessageContaining("truncated file?");
        Files.writeString(f, good.replace("[10.0,10.0,22.0,20.0]", "[10.0,10.0,122.0,20.0]"));
        assertThatThrownBy(() -> VideoAnnotations.read(f)).hasMessageContaining("frames[0] defect 5 box")
                .hasMessageContaining("outside the 100x50 frame");
        Files.writeString(f, good.replace("\"seed\"", "\"seed\":1,\"x\""));
        Files.writeString(f, good.replace("\"format\"", "\"colour\":1,\"format\""));
        assertThatThrownBy(() -> VideoAnnotations.read(f)).hasMessageContaining("colour");
        assertThatThrownBy(() -> VideoAnnotations.readBeside(tmp.resolve("b.mp4"))).hasMessageContaining("b.json");
    }

    private Path write(Path f) throws Exception {
        sample().write(f);
        return f;
    }
}
