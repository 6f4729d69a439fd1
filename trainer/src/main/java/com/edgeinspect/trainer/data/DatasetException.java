package com.edgeinspect.trainer.data;

import java.io.IOException;
import java.nio.file.Path;

/** Bad dataset input: the message names the file and the entry in it that is at fault. */
public final class DatasetException extends IOException {

    public DatasetException(Path file, String entry, String message) {
        super(file + (entry == null || entry.isEmpty() ? "" : ": " + entry) + ": " + message);
    }

    public DatasetException(Path file, String entry, String message, Throwable cause) {
        super(file + (entry == null || entry.isEmpty() ? "" : ": " + entry) + ": " + message, cause);
    }
}
