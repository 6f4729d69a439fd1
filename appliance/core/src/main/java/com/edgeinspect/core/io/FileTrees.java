package com.edgeinspect.core.io;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** Whole directory trees: scratch folders that a job makes and removes again. */
public final class FileTrees {

    private FileTrees() {}

    /** Deletes {@code dir} and everything below it, deepest first; a missing entry is not an error. */
    public static void delete(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
