package com.edgeinspect.core.security;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Set;

/**
 * Reads secrets (passwords, tokens, private keys) from files that only their owner may read: a secret others can
 * read is refused, naming the file and its mode, never its content.
 */
public final class Secrets {

    private Secrets() {}

    /** The file's bytes, after checking that neither group nor others have any access to it. */
    public static byte[] read(Path file, String what) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException(what + " " + file + ": no such file");
        }
        if (file.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            Set<PosixFilePermission> p = Files.getPosixFilePermissions(file);
            for (PosixFilePermission open : Set.of(PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE,
                    PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.OTHERS_READ,
                    PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE)) {
                if (p.contains(open)) {
                    throw new IOException(what + " " + file + " is accessible to others ("
                            + java.nio.file.attribute.PosixFilePermissions.toString(p) + "); chmod 600 it");
                }
            }
        }
        return Files.readAllBytes(file);
    }

    /** A one-line secret (e.g. a password or token), without the trailing newline; an empty one is refused. */
    public static String line(Path file, String what) throws IOException {
        String s = new String(read(file, what), StandardCharsets.UTF_8).strip();
        if (s.isEmpty() || s.contains("\n")) {
            throw new IOException(what + " " + file + " must hold one non-empty line");
        }
        return s;
    }
}
