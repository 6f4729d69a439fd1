package com.edgeinspect.core.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A replaced file holds the old content or the new, and no temp file is left behind either way. */
class AtomicFilesTest {

    @TempDir
    Path dir;

    @Test
    void writeReplacesTheContent() throws IOException {
        Path f = dir.resolve("state.json");
        AtomicFiles.write(f, "old".getBytes(StandardCharsets.UTF_8));
        AtomicFiles.write(f, "new".getBytes(StandardCharsets.UTF_8));
        assertThat(Files.readString(f)).isEqualTo("new");
        assertThat(names()).containsExactly("state.json");
    }

    @Test
    void aFailingWriterLeavesTheOldContent() throws IOException {
        Path f = dir.resolve("state.json");
        AtomicFiles.write(f, "old".getBytes(StandardCharsets.UTF_8));
        assertThatThrownBy(() -> AtomicFiles.write(f, out -> {
            out.write("half".getBytes(StandardCharsets.UTF_8));
            throw new IOException("disk full");
        })).hasMessage("disk full");
        assertThat(Files.readString(f)).isEqualTo("old");
        assertThat(names()).containsExactly("state.json");
    }

    @Test
    void aSyncedTempFileMovesIntoPlace() throws IOException {
        Path f = dir.resolve("model.pt");
        Files.writeString(f, "old");
        Path tmp = dir.resolve(".model.pt.tmp");
        Files.writeString(tmp, "new");
        AtomicFiles.sync(tmp);
        AtomicFiles.moveIntoPlace(tmp, f);
        assertThat(Files.readString(f)).isEqualTo("new");
        assertThat(names()).containsExactly("model.pt");
    }

    private java.util.List<String> names() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).toList();
        }
    }
}
