package com.edgeinspect.trainer.data;

import com.edgeinspect.core.dataset.Annotation;
import com.edgeinspect.core.dataset.Box;
import com.edgeinspect.core.dataset.Dataset;
import com.edgeinspect.core.dataset.ImageEntry;
import com.edgeinspect.core.io.AtomicFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Stream;

/**
 * YOLO txt. Layout: {@code classes.txt} (one name per line, line n = class n), {@code images/**} and
 * {@code labels/**} mirroring it with {@code .txt} files of lines {@code class cx cy w h}, all four normalised to the
 * image size. An image without a label file has no objects. YOLO has no crowd flag: crowd regions are dropped on
 * write, with a warning from the caller.
 */
final class YoloFormat implements DatasetFormat {

    @Override
    public String name() {
        return "yolo";
    }

    @Override
    public Loaded read(Path dir, List<String> classes, Problems problems) throws IOException {
        Path classFile = dir.resolve("classes.txt");
        if (!Files.isRegularFile(classFile)) {
            throw new DatasetException(dir, null, "no classes.txt");
        }
        List<String> names = Files.readAllLines(classFile, StandardCharsets.UTF_8).stream().map(String::strip)
                .filter(s -> !s.isEmpty()).toList();
        if (names.isEmpty()) {
            throw new DatasetException(classFile, null, "empty file: no class names");
        }
        List<String> target = classes != null ? classes : names;
        for (String n : names) {
            if (!target.contains(n)) {
                throw new DatasetException(classFile, "'" + n + "'", "class is not in the class list " + target);
            }
        }
        Path images = dir.resolve("images");
        Path labels = dir.resolve("labels");
        if (!Files.isDirectory(images)) {
            throw new DatasetException(dir, null, "no images/ folder");
        }
        List<ImageEntry> entries = new ArrayList<>();
        Set<Path> used = new HashSet<>();
        for (Path image : ImageFiles.list(images)) {
            String rel = ImageFiles.relative(images, image);
            Path label = labels.resolve(rel.substring(0, rel.length() - rel.substring(rel.lastIndexOf('.')).length()) + ".txt");
            int[] size;
            try {
                size = ImageFiles.size(image);
            } catch (IOException e) {
                problems.bad(image, null, "unreadable image: " + e.getMessage());
                continue;
            }
            List<Annotation> anns = new ArrayList<>();
            if (Files.isRegularFile(label)) {
                used.add(label.normalize());
                List<String> lines = Files.readAllLines(label, StandardCharsets.UTF_8);
                for (int i = 0; i < lines.size(); i++) {
                    Annotation a = parse(lines.get(i), size, label, "line " + (i + 1), names, target, problems);
                    if (a != null) {
                        anns.add(a);
                    }
                }
            }
            entries.add(new ImageEntry(rel, size[0], size[1], anns));
        }
        if (Files.isDirectory(labels)) {
            try (Stream<Path> s = Files.walk(labels)) {
                for (Path l : s.filter(p -> p.toString().endsWith(".txt")).sorted().toList()) {
                    if (!used.contains(l.normalize())) {
                        problems.bad(l, null, "label file has no image in " + images);
                    }
                }
            }
        }
        return new Loaded(new Dataset(target, entries), images);
    }

    private static Annotation parse(String line, int[] size, Path file, String entry, List<String> names,
            List<String> target, Problems problems) throws DatasetException {
        String s = line.strip();
        if (s.isEmpty()) {
            return null;
        }
        String[] t = s.split("\\s+");
        if (t.length != 5) {
            problems.bad(file, entry, "expected 'class cx cy w h', got " + t.length + " fields");
            return null;
        }
        double[] v = new double[4];
        int cls;
        try {
            cls = Integer.parseInt(t[0]);
            for (int i = 0; i < 4; i++) {
                v[i] = Double.parseDouble(t[i + 1]);
            }
        } catch (NumberFormatException e) {
            problems.bad(file, entry, "not a number: " + e.getMessage());
            return null;
        }
        if (cls < 0 || cls >= names.size()) {
            problems.bad(file, entry, "unknown class " + cls + " (classes.txt has " + names.size() + ")");
            return null;
        }
        if (v[2] > 1.0001 || v[3] > 1.0001) {
            problems.bad(file, entry, "width/height above 1: YOLO coordinates must be normalised to the image size");
            return null;
        }
        double w = size[0];
        double h = size[1];
        Box box = Boxes.checked((v[0] - v[2] / 2) * w, (v[1] - v[3] / 2) * h, (v[0] + v[2] / 2) * w,
                (v[1] + v[3] / 2) * h, size[0], size[1], file, entry, problems);
        return box == null ? null : new Annotation(target.indexOf(names.get(cls)), box);
    }

    @Override
    public void write(Loaded data, Path outDir) throws IOException {
        Dataset d = data.dataset();
        AtomicFiles.write(outDir.resolve("classes.txt"),
                (String.join("\n", d.classes()) + "\n").getBytes(StandardCharsets.UTF_8));
        for (ImageEntry im : d.images()) {
            ImageFiles.copy(data.imageRoot().resolve(im.file()), outDir.resolve("images").resolve(im.file()));
            StringBuilder sb = new StringBuilder();
            for (Annotation a : im.annotations()) {
                if (a.crowd()) {
                    continue;
                }
                Box b = a.box();
                sb.append(String.format(Locale.ROOT, "%d %.6f %.6f %.6f %.6f%n", a.classId(), b.centerX() / im.width(),
                        b.centerY() / im.height(), b.width() / im.width(), b.height() / im.height()));
            }
            String rel = im.file().substring(0, im.file().lastIndexOf('.')) + ".txt";
            AtomicFiles.write(outDir.resolve("labels").resolve(rel), sb.toString().getBytes(StandardCharsets.UTF_8));
        }
    }
}
