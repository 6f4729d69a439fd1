package com.edgeinspect.trainer.data;

import com.edgeinspect.core.dataset.Annotation;
import com.edgeinspect.core.dataset.Box;
import com.edgeinspect.core.dataset.Dataset;
import com.edgeinspect.core.dataset.ImageEntry;
import com.edgeinspect.core.io.AtomicFiles;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * COCO detection JSON. Layout: {@code annotations.json} with images in {@code images/} beside it (or the JSON's own
 * folder when there is no {@code images/}). Boxes are {@code [x, y, width, height]} in pixel-edge coordinates, the
 * same convention as {@link Box}. Categories keep their order by id; {@code iscrowd} is kept.
 */
final class CocoFormat implements DatasetFormat {

    static final String FILE = "annotations.json";
    private static final ObjectMapper JSON = new ObjectMapper().disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);

    @Override
    public String name() {
        return "coco";
    }

    @Override
    public Loaded read(Path input, List<String> classes, Problems problems) throws IOException {
        Path file = Files.isDirectory(input) ? input.resolve(FILE) : input;
        if (!Files.isRegularFile(file)) {
            throw new DatasetException(file, null, "no such file");
        }
        Path root = Files.isDirectory(file.resolveSibling("images")) ? file.resolveSibling("images") : file.getParent();
        JsonNode doc;
        try {
            doc = JSON.readTree(file.toFile());
        } catch (JsonProcessingException e) {
            throw new DatasetException(file, "line " + e.getLocation().getLineNr(), "bad JSON: " + e.getOriginalMessage());
        }
        if (doc == null || doc.isMissingNode() || !doc.isObject()) {
            throw new DatasetException(file, null, "empty file or not a JSON object");
        }
        JsonNode cats = array(doc, "categories", file);
        Map<Long, Integer> classOf = new HashMap<>();
        TreeMap<Long, String> byId = new TreeMap<>();
        for (int i = 0; i < cats.size(); i++) {
            JsonNode c = cats.get(i);
            if (!c.path("id").canConvertToLong() || !c.path("name").isTextual()) {
                throw new DatasetException(file, "categories[" + i + "]", "needs a numeric id and a name");
            }
            byId.put(c.get("id").asLong(), c.get("name").asText());
        }
        List<String> names = classes != null ? classes : new ArrayList<>(byId.values());
        for (Map.Entry<Long, String> e : byId.entrySet()) {
            int idx = names.indexOf(e.getValue());
            if (idx < 0) {
                throw new DatasetException(file, "categories id " + e.getKey(), "class '" + e.getValue()
                        + "' is not in the class list " + names);
            }
            classOf.put(e.getKey(), idx);
        }

        JsonNode images = array(doc, "images", file);
        Map<Long, Integer> imageIndex = new LinkedHashMap<>();
        List<String> files = new ArrayList<>();
        List<int[]> sizes = new ArrayList<>();
        List<List<Annotation>> labels = new ArrayList<>();
        for (int i = 0; i < images.size(); i++) {
            JsonNode im = images.get(i);
            String entry = "images[" + i + "]";
            if (!im.path("id").canConvertToLong() || !im.path("file_name").isTextual()) {
                problems.bad(file, entry, "needs a numeric id and a file_name");
                continue;
            }
            String name = im.get("file_name").asText();
            entry += " ('" + name + "')";
            if (!Files.isRegularFile(root.resolve(name))) {
                problems.bad(file, entry, "image file " + root.resolve(name) + " is missing");
                continue;
            }
            int w = im.path("width").asInt(0);
            int h = im.path("height").asInt(0);
            if (w <= 0 || h <= 0) {
                int[] s = ImageFiles.size(root.resolve(name));
                w = s[0];
                h = s[1];
            }
            imageIndex.put(im.get("id").asLong(), files.size());
            files.add(name);
            sizes.add(new int[] {w, h});
            labels.add(new ArrayList<>());
        }
        JsonNode anns = array(doc, "annotations", file);
        for (int i = 0; i < anns.size(); i++) {
            JsonNode a = anns.get(i);
            String entry = "annotations[" + i + "]" + (a.has("id") ? " (id " + a.get("id").asText() + ")" : "");
            Integer img = imageIndex.get(a.path("image_id").asLong(Long.MIN_VALUE));
            if (img == null) {
                problems.bad(file, entry, "image_id " + a.path("image_id") + " names no (readable) image");
                continue;
            }
            Integer cls = classOf.get(a.path("category_id").asLong(Long.MIN_VALUE));
            if (cls == null) {
                problems.bad(file, entry, "unknown category_id " + a.path("category_id") + "; known: " + classOf.keySet());
                continue;
            }
            JsonNode b = a.path("bbox");
            if (!b.isArray() || b.size() != 4) {
                problems.bad(file, entry, "bbox must be [x, y, width, height]");
                continue;
            }
            double x = b.get(0).asDouble(Double.NaN);
            double y = b.get(1).asDouble(Double.NaN);
            int[] s = sizes.get(img);
            Box box = Boxes.checked(x, y, x + b.get(2).asDouble(Double.NaN), y + b.get(3).asDouble(Double.NaN), s[0],
                    s[1], file, entry + " on '" + files.get(img) + "'", problems);
            if (box != null) {
                labels.get(img).add(new Annotation(cls, box, a.path("iscrowd").asInt(0) == 1, -1));
            }
        }
        List<ImageEntry> entries = new ArrayList<>();
        for (int i = 0; i < files.size(); i++) {
            entries.add(new ImageEntry(files.get(i), sizes.get(i)[0], sizes.get(i)[1], labels.get(i)));
        }
        return new Loaded(new Dataset(names, entries), root);
    }

    private static JsonNode array(JsonNode doc, String field, Path file) throws DatasetException {
        JsonNode n = doc.path(field);
        if (!n.isArray()) {
            throw new DatasetException(file, field, "missing or not an array");
        }
        return n;
    }

    @Override
    public void write(Loaded data, Path outDir) throws IOException {
        ObjectNode doc = JSON.createObjectNode();
        ArrayNode cats = doc.putArray("categories");
        List<String> classes = data.dataset().classes();
        for (int i = 0; i < classes.size(); i++) {
            cats.addObject().put("id", i + 1).put("name", classes.get(i)).put("supercategory", "defect");
        }
        ArrayNode images = doc.putArray("images");
        ArrayNode anns = doc.putArray("annotations");
        long annId = 1;
        List<ImageEntry> entries = data.dataset().images();
        for (int i = 0; i < entries.size(); i++) {
            ImageEntry im = entries.get(i);
            images.addObject().put("id", i + 1).put("file_name", im.file()).put("width", im.width())
                    .put("height", im.height());
            ImageFiles.copy(data.imageRoot().resolve(im.file()), outDir.resolve("images").resolve(im.file()));
            for (Annotation a : im.annotations()) {
                Box b = a.box();
                ObjectNode o = anns.addObject().put("id", annId++).put("image_id", i + 1).put("category_id", a.classId() + 1);
                o.putArray("bbox").add(b.x1()).add(b.y1()).add(b.width()).add(b.height());
                o.put("area", b.area()).put("iscrowd", a.crowd() ? 1 : 0);
                if (a.trackId() >= 0) {
                    o.put("track_id", a.trackId());
                }
            }
        }
        AtomicFiles.write(outDir.resolve(FILE), out -> JSON.writerWithDefaultPrettyPrinter().writeValue(out, doc));
    }
}
