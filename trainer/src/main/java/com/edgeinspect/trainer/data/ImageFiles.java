package com.edgeinspect.trainer.data;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * Image files as datasets see them: their size (read from the header only), where to find one by name, and their
 * pixels packed as the detector takes them.
 */
public final class ImageFiles {

    static final List<String> EXTENSIONS = List.of(".jpg", ".jpeg", ".png", ".bmp");

    private ImageFiles() {}

    /** Width and height from the file's header, without decoding pixels. */
    static int[] size(Path image) throws IOException {
        try (ImageInputStream in = ImageIO.createImageInputStream(image.toFile())) {
            Iterator<ImageReader> readers = in == null ? null : ImageIO.getImageReaders(in);
            if (readers == null || !readers.hasNext()) {
                throw new IOException("not a readable image");
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                return new int[] {reader.getWidth(0), reader.getHeight(0)};
            } finally {
                reader.dispose();
            }
        }
    }

    /** The decoded image; an unreadable file is an error naming it. */
    public static BufferedImage read(Path file) throws IOException {
        BufferedImage img = ImageIO.read(file.toFile());
        if (img == null) {
            throw new IOException(file + ": not a readable image");
        }
        return img;
    }

    /**
     * Packs the image's pixels, 3 bytes each (BGR when {@code bgr}, else RGB), into rows of {@code rowWidth} pixels
     * of {@code out}; pixels of {@code out} beyond the image are left as they are.
     */
    public static void pack(BufferedImage img, byte[] out, int rowWidth, boolean bgr) {
        int first = bgr ? 0 : 16;
        int last = bgr ? 16 : 0;
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                int v = img.getRGB(x, y);
                int i = (y * rowWidth + x) * 3;
                out[i] = (byte) (v >> first);
                out[i + 1] = (byte) (v >> 8);
                out[i + 2] = (byte) (v >> last);
            }
        }
    }

    /** The image in {@code dir} whose name without extension is {@code stem}, or null. */
    static Path byStem(Path dir, String stem) {
        for (String ext : EXTENSIONS) {
            for (String e : List.of(ext, ext.toUpperCase(Locale.ROOT))) {
                Path p = dir.resolve(stem + e);
                if (Files.isRegularFile(p)) {
                    return p;
                }
            }
        }
        return null;
    }

    static boolean isImage(Path p) {
        String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
        return EXTENSIONS.stream().anyMatch(n::endsWith);
    }

    static String stem(String file) {
        String name = file.substring(file.lastIndexOf('/') + 1);
        int dot = name.lastIndexOf('.');
        return dot > 0 ? name.substring(0, dot) : name;
    }

    /** The '/'-separated path of {@code file} relative to {@code root}. */
    static String relative(Path root, Path file) {
        return root.relativize(file).toString().replace('\\', '/');
    }

    /** Every image under {@code dir}, in a stable order. */
    static List<Path> list(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).filter(ImageFiles::isImage).sorted().toList();
        }
    }

    /** Copies an image into a dataset being written, creating folders. */
    static void copy(Path from, Path to) throws IOException {
        Files.createDirectories(to.toAbsolutePath().getParent());
        Files.copy(from, to, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }
}
