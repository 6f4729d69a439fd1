package com.edgeinspect.trainer.synth;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Everything that determines a synthetic clip. The same options (seed included) always give the same clip.
 *
 * @param seed master seed; every random choice derives from it
 * @param durationSeconds clip length
 * @param fps frames per second
 * @param width frame width in pixels
 * @param height frame height in pixels
 * @param defectRate fraction of parts that carry at least one defect
 * @param classes defect classes to draw
 * @param difficulty the capture conditions
 * @param bitrateKbps H.264 target bitrate
 */
public record SynthOptions(long seed, double durationSeconds, int fps, int width, int height, double defectRate,
        Set<DefectClass> classes, Difficulty difficulty, int bitrateKbps) {

    public SynthOptions {
        require(durationSeconds > 0 && durationSeconds <= 3600, "duration must be in (0, 3600] s, got " + durationSeconds);
        require(fps >= 1 && fps <= 120, "fps must be in [1, 120], got " + fps);
        require(width >= 320 && width <= 4096 && width % 2 == 0, "width must be even, in [320, 4096], got " + width);
        require(height >= 240 && height <= 2160 && height % 2 == 0, "height must be even, in [240, 2160], got " + height);
        require(defectRate >= 0 && defectRate <= 1, "defect rate must be in [0, 1], got " + defectRate);
        require(!classes.isEmpty() || defectRate == 0, "at least one defect class is needed when defect rate > 0");
        require(bitrateKbps >= 200 && bitrateKbps <= 50_000, "bitrate must be in [200, 50000] kbit/s, got " + bitrateKbps);
        classes = classes.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(classes));
    }

    /**
     * Capture conditions; each knob is named for what a camera engineer would see.
     *
     * @param beltSpeed belt speed in pixels per frame at 1080p
     * @param lanes how many parts can pass side by side
     * @param minContrast faintest defect (0..1, fraction of full strength)
     * @param maxContrast strongest defect
     * @param noise sensor noise, standard deviation in 8-bit levels
     * @param exposure shutter time as a fraction of the frame interval; sets the motion blur length
     * @param lighting strength of uneven and flickering illumination (0 = studio light)
     * @param jpegQuality 0 = off, else the quality (0.1..1) of a JPEG round trip applied to every frame, as from an
     *     MJPEG camera
     * @param railHeight height in pixels of the guide rails along the top and bottom edges that hide parts of the
     *     parts passing close to them
     */
    public record Difficulty(double beltSpeed, int lanes, double minContrast, double maxContrast, double noise,
            double exposure, double lighting, double jpegQuality, int railHeight) {
        public Difficulty {
            require(beltSpeed > 0 && beltSpeed <= 80, "belt speed must be in (0, 80] px/frame, got " + beltSpeed);
            require(lanes >= 1 && lanes <= 3, "lanes must be 1..3, got " + lanes);
            require(minContrast > 0 && minContrast <= maxContrast && maxContrast <= 1,
                    "contrast range must satisfy 0 < min <= max <= 1, got " + minContrast + ".." + maxContrast);
            require(noise >= 0 && noise <= 40, "noise must be in [0, 40] levels, got " + noise);
            require(exposure >= 0 && exposure <= 1, "exposure must be in [0, 1], got " + exposure);
            require(lighting >= 0 && lighting <= 1, "lighting must be in [0, 1], got " + lighting);
            require(jpegQuality == 0 || (jpegQuality >= 0.1 && jpegQuality <= 1),
                    "jpeg quality must be 0 (off) or in [0.1, 1], got " + jpegQuality);
            require(railHeight >= 0 && railHeight <= 200, "rail height must be in [0, 200] px, got " + railHeight);
        }
    }

    /** Named starting points for {@link Difficulty}; every knob can still be overridden. */
    public enum Preset {
        /** Good light, slow belt, clear defects. */
        EASY(new Difficulty(10, 2, 0.6, 1.0, 2.5, 0.1, 0.15, 0, 40)),
        /** A typical line: the default. */
        NORMAL(new Difficulty(14, 2, 0.35, 1.0, 4, 0.25, 0.35, 0.8, 60)),
        /** Low contrast, strong blur, fast belt, noisy sensor, MJPEG artefacts, wide rails. */
        HARD(new Difficulty(24, 2, 0.3, 0.8, 7, 0.35, 0.7, 0.65, 90));

        private final Difficulty difficulty;

        Preset(Difficulty difficulty) {
            this.difficulty = difficulty;
        }

        public Difficulty difficulty() {
            return difficulty;
        }
    }

    public int frameCount() {
        return (int) Math.round(durationSeconds * fps);
    }

    /** The classes drawn, in the enum's order. Annotations always list every class so that ids are stable. */
    public List<DefectClass> classList() {
        return classes.isEmpty() ? List.of() : new ArrayList<>(EnumSet.copyOf(classes));
    }

    /** The options as plain values, recorded in the annotations so a clip says how it was made. */
    public Map<String, Object> describe() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("seed", seed);
        m.put("durationSeconds", durationSeconds);
        m.put("fps", fps);
        m.put("width", width);
        m.put("height", height);
        m.put("defectRate", defectRate);
        m.put("classes", classList().stream().map(DefectClass::label).toList());
        m.put("beltSpeed", difficulty.beltSpeed());
        m.put("lanes", difficulty.lanes());
        m.put("minContrast", difficulty.minContrast());
        m.put("maxContrast", difficulty.maxContrast());
        m.put("noise", difficulty.noise());
        m.put("exposure", difficulty.exposure());
        m.put("lighting", difficulty.lighting());
        m.put("jpegQuality", difficulty.jpegQuality());
        m.put("railHeight", difficulty.railHeight());
        m.put("bitrateKbps", bitrateKbps);
        return m;
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }
}
