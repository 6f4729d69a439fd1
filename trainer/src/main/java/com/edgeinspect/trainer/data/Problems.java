package com.edgeinspect.trainer.data;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What to do with a bad entry while reading: fail at the first one (the default), or, with {@code --skip-bad},
 * skip it and keep a report of everything skipped.
 */
public final class Problems {

    private final boolean skipBad;
    private final List<String> skipped = new ArrayList<>();

    private Problems(boolean skipBad) {
        this.skipBad = skipBad;
    }

    public static Problems strict() {
        return new Problems(false);
    }

    public static Problems skipBad() {
        return new Problems(true);
    }

    /** Reports a bad entry: throws when strict, records it when skipping. */
    public void bad(Path file, String entry, String message) throws DatasetException {
        DatasetException e = new DatasetException(file, entry, message);
        if (!skipBad) {
            throw e;
        }
        skipped.add(e.getMessage());
    }

    public List<String> skipped() {
        return List.copyOf(skipped);
    }
}
