package com.edgeinspect.appliance.model;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Names the hardware and driver stack a TensorRT engine is built for. On a Jetson: the L4T release (which fixes CUDA
 * and TensorRT) and the board model (which fixes the GPU); elsewhere the CPU architecture.
 */
final class Platform {

    private Platform() {}

    static String tag() {
        String l4t = firstLine(Path.of("/etc/nv_tegra_release"));
        String board = firstLine(Path.of("/proc/device-tree/model"));
        String tag = l4t.isEmpty() ? System.getProperty("os.arch") : l4t + "-" + board;
        return tag.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9.]+", "-").replaceAll("^-|-$", "");
    }

    /** The first line, without nv_tegra_release's build details ("# R35 (release), REVISION: 4.1, GCID: ..."). */
    private static String firstLine(Path f) {
        try {
            String s = Files.readString(f, StandardCharsets.ISO_8859_1).replace("\u0000", "");
            String line = s.lines().findFirst().orElse("");
            int revision = line.indexOf(", GCID");
            return (revision > 0 ? line.substring(0, revision) : line).trim();
        } catch (IOException | SecurityException e) {
            return "";
        }
    }
}
