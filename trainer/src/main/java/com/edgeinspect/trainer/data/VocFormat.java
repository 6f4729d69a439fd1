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
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;
import java.util.stream.Stream;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;
import org.xml.sax.SAXException;
import org.xml.sax.SAXParseException;

/**
 * Pascal VOC XML. Layout: {@code Annotations/*.xml} and {@code JPEGImages/} (lower-case {@code annotations/} and
 * {@code images/} are read too). Coordinates are VOC's 1-based inclusive pixel indices: a box over pixel columns
 * 0..2 (0-based) is xmin=1, xmax=3, i.e. x1 = xmin - 1 and x2 = xmax in {@link Box}'s pixel-edge convention.
 * {@code difficult=1} maps to the crowd flag: both mean "do not score this region".
 */
final class VocFormat implements DatasetFormat {

    @Override
    public String name() {
        return "voc";
    }

    private record Parsed(Path xml, String image, int width, int height, List<String> names, List<double[]> boxes,
            List<Boolean> difficult, List<String> entries) {}

    @Override
    public Loaded read(Path dir, List<String> classes, Problems problems) throws IOException {
        Path annDir = firstDir(dir, "Annotations", "annotations");
        Path imgDir = firstDir(dir, "JPEGImages", "images");
        if (annDir == null) {
            throw new DatasetException(dir, null, "no Annotations/ (or annotations/) folder");
        }
        if (imgDir == null) {
            throw new DatasetException(dir, null, "no JPEGImages/ (or images/) folder");
        }
        List<Path> xmls;
        try (Stream<Path> s = Files.list(annDir)) {
            xmls = s.filter(p -> p.toString().toLowerCase(Locale.ROOT).endsWith(".xml")).sorted().toList();
        }
        DocumentBuilder parser = parser();
        List<Parsed> parsed = new ArrayList<>();
        TreeSet<String> seen = new TreeSet<>();
        for (Path xml : xmls) {
            Parsed p = parse(parser, xml, imgDir, problems);
            if (p != null) {
                parsed.add(p);
                seen.addAll(p.names());
            }
        }
        List<String> names = classes != null ? classes : new ArrayList<>(seen);
        List<ImageEntry> entries = new ArrayList<>();
        for (Parsed p : parsed) {
            List<Annotation> anns = new ArrayList<>();
            for (int i = 0; i < p.names().size(); i++) {
                int cls = names.indexOf(p.names().get(i));
                if (cls < 0) {
                    problems.bad(p.xml(), p.entries().get(i), "unknown class '" + p.names().get(i) + "'; known: " + names);
                    continue;
                }
                double[] b = p.boxes().get(i);
                Box box = Boxes.checked(b[0] - 1, b[1] - 1, b[2], b[3], p.width(), p.height(), p.xml(),
                        p.entries().get(i), problems);
                if (box != null) {
                    anns.add(new Annotation(cls, box, p.difficult().get(i), -1));
                }
            }
            entries.add(new ImageEntry(p.image(), p.width(), p.height(), anns));
        }
        return new Loaded(new Dataset(names, entries), imgDir);
    }

    private static Parsed parse(DocumentBuilder parser, Path xml, Path imgDir, Problems problems) throws IOException {
        Document doc;
        try {
            if (Files.size(xml) == 0) {
                problems.bad(xml, null, "empty file");
                return null;
            }
            doc = parser.parse(xml.toFile());
        } catch (SAXParseException e) {
            problems.bad(xml, "line " + e.getLineNumber(), "bad XML: " + e.getMessage());
            return null;
        } catch (SAXException e) {
            problems.bad(xml, null, "bad XML: " + e.getMessage());
            return null;
        }
        Element root = doc.getDocumentElement();
        if (!"annotation".equals(root.getTagName())) {
            problems.bad(xml, "<" + root.getTagName() + ">", "root element must be <annotation>");
            return null;
        }
        String filename = text(root, "filename");
        Path image = filename != null && Files.isRegularFile(imgDir.resolve(filename)) ? imgDir.resolve(filename)
                : ImageFiles.byStem(imgDir, ImageFiles.stem(filename != null ? filename : xml.getFileName().toString()));
        if (image == null) {
            problems.bad(xml, "<filename>" + filename + "</filename>", "image not found in " + imgDir);
            return null;
        }
        int w = intOr(root, "size/width");
        int h = intOr(root, "size/height");
        if (w <= 0 || h <= 0) {
            int[] s = ImageFiles.size(image);
            w = s[0];
            h = s[1];
        }
        List<String> names = new ArrayList<>();
        List<double[]> boxes = new ArrayList<>();
        List<Boolean> difficult = new ArrayList<>();
        List<String> entries = new ArrayList<>();
        NodeList objects = root.getElementsByTagName("object");
        for (int i = 0; i < objects.getLength(); i++) {
            Element o = (Element) objects.item(i);
            String entry = "object[" + (i + 1) + "]";
            String name = text(o, "name");
            Element bb = child(o, "bndbox");
            if (name == null || bb == null) {
                problems.bad(xml, entry, "needs <name> and <bndbox>");
                continue;
            }
            double[] b = new double[4];
            String[] tags = {"xmin", "ymin", "xmax", "ymax"};
            boolean ok = true;
            for (int k = 0; k < 4; k++) {
                String t = text(bb, tags[k]);
                try {
                    b[k] = Double.parseDouble(t == null ? "" : t);
                } catch (NumberFormatException e) {
                    problems.bad(xml, entry + " <" + tags[k] + ">", "not a number: '" + t + "'");
                    ok = false;
                    break;
                }
            }
            if (!ok) {
                continue;
            }
            names.add(name);
            boxes.add(b);
            difficult.add("1".equals(text(o, "difficult")));
            entries.add(entry + " ('" + name + "')");
        }
        return new Parsed(xml, ImageFiles.relative(imgDir, image), w, h, names, boxes, difficult, entries);
    }

    @Override
    public void write(Loaded data, Path outDir) throws IOException {
        Dataset d = data.dataset();
        for (ImageEntry im : d.images()) {
            String flat = im.file().replace('/', '_');
            ImageFiles.copy(data.imageRoot().resolve(im.file()), outDir.resolve("JPEGImages").resolve(flat));
            StringBuilder x = new StringBuilder("<annotation>\n");
            x.append("  <folder>JPEGImages</folder>\n  <filename>").append(esc(flat)).append("</filename>\n");
            x.append("  <size><width>").append(im.width()).append("</width><height>").append(im.height())
                    .append("</height><depth>3</depth></size>\n");
            for (Annotation a : im.annotations()) {
                Box b = a.box();
                x.append("  <object>\n    <name>").append(esc(d.classes().get(a.classId()))).append("</name>\n");
                x.append("    <difficult>").append(a.crowd() ? 1 : 0).append("</difficult>\n");
                x.append(String.format(Locale.ROOT,
                        "    <bndbox><xmin>%d</xmin><ymin>%d</ymin><xmax>%d</xmax><ymax>%d</ymax></bndbox>%n",
                        Math.round(b.x1()) + 1, Math.round(b.y1()) + 1, Math.round(b.x2()), Math.round(b.y2())));
                x.append("  </object>\n");
            }
            x.append("</annotation>\n");
            AtomicFiles.write(outDir.resolve("Annotations").resolve(ImageFiles.stem(flat) + ".xml"),
                    x.toString().getBytes(StandardCharsets.UTF_8));
        }
    }

    private static DocumentBuilder parser() throws IOException {
        try {
            DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
            // Annotation files come from users' tools: no DTDs, no external entities.
            f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            f.setExpandEntityReferences(false);
            DocumentBuilder b = f.newDocumentBuilder();
            b.setErrorHandler(null);
            return b;
        } catch (ParserConfigurationException e) {
            throw new IOException(e);
        }
    }

    private static Path firstDir(Path dir, String... names) {
        for (String n : names) {
            if (Files.isDirectory(dir.resolve(n))) {
                return dir.resolve(n);
            }
        }
        return null;
    }

    private static Element child(Element e, String tag) {
        NodeList l = e.getElementsByTagName(tag);
        return l.getLength() == 0 ? null : (Element) l.item(0);
    }

    private static String text(Element e, String tag) {
        Element c = child(e, tag);
        return c == null ? null : c.getTextContent().strip();
    }

    private static int intOr(Element root, String path) {
        String[] p = path.split("/");
        Element e = child(root, p[0]);
        String t = e == null ? null : text(e, p[1]);
        try {
            return t == null ? 0 : (int) Math.round(Double.parseDouble(t));
        } catch (NumberFormatException ex) {
            return 0;
        }
    }

    private static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
