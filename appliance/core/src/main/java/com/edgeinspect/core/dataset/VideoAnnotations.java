package com.edgeinspect.core.dataset;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import com.edgeinspect.core.io.AtomicFiles;

/**
 * Ground truth of an inspection video: which parts pass, which of them are defective, and where every defect is in
 * every frame. The appliance's end-to-end tests score alerts against it (one defective part = one expected alert),
 * and the trainer turns it into still-image datasets. The format is documented in {@code test-videos/README.md}.
 *
 * @param format always {@link #FORMAT}
 * @param video the clip these annotations belong to
 * @param classes defect class names; {@link Defect#classId()} indexes this list
 * @param generator how the clip was made (seed, options, command), or empty for hand-labelled video
 * @param parts every part that appears, once
 * @param defects every defect, once; the part it sits on is its track
 * @param frames one entry per frame, in order
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record VideoAnnotations(String format, Video video, List<String> classes, Map<String, Object> generator,
        List<Part> parts, List<Defect> defects, List<FrameLabels> frames) {

    public static final String FORMAT = "edgeinspect-video-annotations/1";

    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .disable(SerializationFeature.INDENT_OUTPUT)
            .disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET)
            .build();

    public VideoAnnotations {
        classes = List.copyOf(classes);
        parts = List.copyOf(parts);
        defects = List.copyOf(defects);
        frames = List.copyOf(frames);
        generator = generator == null ? Map.of() : Map.copyOf(generator);
    }

    /** The video file these annotations describe. */
    public record Video(String file, int width, int height, double fps, int frames) {}

    /** A part on the belt: one physical object, one track id for its whole pass through the view. */
    public record Part(long track, String type, boolean defective, int firstFrame, int lastFrame) {}

    /** A defect on a part. {@code sizePx} is the larger side of its box when fully visible. */
    public record Defect(long id, long track, int classId, double sizePx, double contrast) {}

    /** What is visible in one frame. */
    public record FrameLabels(int index, List<PartBox> parts, List<DefectBox> defects) {
        public FrameLabels {
            parts = List.copyOf(parts);
            defects = List.copyOf(defects);
        }
    }

    /** A part's visible extent in a frame. */
    public record PartBox(long track, Box box) {}

    /**
     * A defect's visible extent in a frame. {@code visible} is the fraction of its pixels that are inside the frame
     * and not occluded (0..1]; scoring may ignore barely visible ones.
     */
    public record DefectBox(long id, Box box, double visible) {}

    public Defect defect(long id) {
        return defects.stream().filter(d -> d.id() == id).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no defect " + id));
    }

    public Part part(long track) {
        return parts.stream().filter(p -> p.track() == track).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no part " + track));
    }

    /** Reads and checks annotations; errors name the file and the entry at fault. */
    public static VideoAnnotations read(Path file) throws IOException {
        VideoAnnotations a;
        try {
            a = JSON.readValue(file.toFile(), VideoAnnotations.class);
        } catch (JsonMappingException e) {
            throw new IOException(file + ": " + e.getOriginalMessage() + " at " + e.getPathReference(), e);
        } catch (IOException e) {
            throw new IOException(file + ": " + e.getMessage(), e);
        }
        if (a == null) {
            throw new IOException(file + ": empty file");
        }
        a.validate(file.toString());
        return a;
    }

    private void validate(String where) throws IOException {
        if (!FORMAT.equals(format)) {
            throw new IOException(where + ": format is '" + format + "', expected '" + FORMAT + "'");
        }
        if (frames.size() != video.frames()) {
            throw new IOException(where + ": video.frames says " + video.frames() + " but " + frames.size()
                    + " frame entries follow (truncated file?)");
        }
        java.util.Set<Long> defectIds = new java.util.HashSet<>();
        java.util.Set<Long> tracks = new java.util.HashSet<>();
        for (Part p : parts) {
            tracks.add(p.track());
        }
        for (int i = 0; i < defects.size(); i++) {
            Defect d = defects.get(i);
            if (d.classId() < 0 || d.classId() >= classes.size()) {
                throw new IOException(where + ": defects[" + i + "] (id " + d.id() + ") has class " + d.classId()
                        + ", not one of " + classes);
            }
            if (!tracks.contains(d.track())) {
                throw new IOException(where + ": defects[" + i + "] (id " + d.id() + ") is on unknown part " + d.track());
            }
            defectIds.add(d.id());
        }
        for (int f = 0; f < frames.size(); f++) {
            FrameLabels labels = frames.get(f);
            if (labels.index() != f) {
                throw new IOException(where + ": frames[" + f + "] has index " + labels.index());
            }
            for (DefectBox b : labels.defects()) {
                if (!defectIds.contains(b.id())) {
                    throw new IOException(where + ": frames[" + f + "] names unknown defect " + b.id());
                }
                if (!b.box().within(video.width(), video.height(), 0.5)) {
                    throw new IOException(where + ": frames[" + f + "] defect " + b.id() + " box " + b.box()
                            + " lies outside the " + video.width() + "x" + video.height() + " frame");
                }
            }
        }
    }

    /** Writes atomically: a temp file beside the target, fsync, rename. */
    public void write(Path file) throws IOException {
        validate(file.toString());
        AtomicFiles.write(file, out -> JSON.writeValue(out, this));
    }

    /** Where a video's annotations live: beside it, same name, {@code .json}. */
    public static Path besideVideo(Path video) {
        String name = video.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return video.resolveSibling((dot > 0 ? name.substring(0, dot) : name) + ".json");
    }

    /** Convenience for tools: fails when the file is missing, with its name. */
    public static VideoAnnotations readBeside(Path video) throws IOException {
        Path json = besideVideo(video);
        if (!Files.isRegularFile(json)) {
            throw new IOException(video + ": no annotations file " + json.getFileName() + " beside it");
        }
        return read(json);
    }
}
