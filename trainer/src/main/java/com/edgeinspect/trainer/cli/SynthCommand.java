package com.edgeinspect.trainer.cli;

import com.edgeinspect.trainer.synth.DefectClass;
import com.edgeinspect.trainer.synth.SynthOptions;
import com.edgeinspect.trainer.synth.SynthVideo;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code trainer synth}: a conveyor clip with exact ground truth. */
@Command(name = "synth", mixinStandardHelpOptions = true,
        description = "Generate a 1080p H.264 conveyor clip with parts, defects and exact per-frame ground truth "
                + "(written beside the video as <name>.json).")
final class SynthCommand implements Callable<Integer> {

    @Option(names = {"-o", "--out"}, required = true, description = "output video (.mp4)")
    Path out;

    @Option(names = "--seed", defaultValue = "1", description = "random seed (default ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--duration", defaultValue = "10", description = "seconds (default ${DEFAULT-VALUE})")
    double duration;

    @Option(names = "--fps", defaultValue = "30", description = "frames per second (default ${DEFAULT-VALUE})")
    int fps;

    @Option(names = "--size", defaultValue = "1920x1080", description = "WIDTHxHEIGHT (default ${DEFAULT-VALUE})")
    String size;

    @Option(names = "--defect-rate", defaultValue = "0.4", description = "fraction of defective parts (default ${DEFAULT-VALUE})")
    double defectRate;

    @Option(names = "--classes", split = ",", description = "defect classes to draw (default: all of scratch, crack, pit, stain, chip)")
    List<String> classes;

    @Option(names = "--preset", defaultValue = "normal", description = "easy, normal or hard (default ${DEFAULT-VALUE})")
    String preset;

    @Option(names = "--belt-speed", description = "belt speed, px/frame at 1080p")
    Double beltSpeed;

    @Option(names = "--lanes", description = "parts side by side (1..3)")
    Integer lanes;

    @Option(names = "--contrast", description = "defect contrast range MIN:MAX in (0, 1]")
    String contrast;

    @Option(names = "--noise", description = "sensor noise sigma in 8-bit levels")
    Double noise;

    @Option(names = "--exposure", description = "shutter as a fraction of the frame time (motion blur)")
    Double exposure;

    @Option(names = "--lighting", description = "uneven/flickering light strength 0..1")
    Double lighting;

    @Option(names = "--jpeg-quality", description = "MJPEG artefacts: 0 = off, else quality 0.1..1")
    Double jpegQuality;

    @Option(names = "--rail-height", description = "guide rails hiding the frame's top/bottom edges, px")
    Integer railHeight;

    @Option(names = "--bitrate", defaultValue = "4000", description = "H.264 bitrate in kbit/s (default ${DEFAULT-VALUE})")
    int bitrate;

    @Override
    public Integer call() throws Exception {
        SynthOptions o = options();
        Map<String, Object> provenance = new LinkedHashMap<>(o.describe());
        provenance.put("preset", preset);
        SynthVideo.Result r = SynthVideo.generate(o, out, provenance);
        long defective = r.labels().parts().stream().filter(p -> p.defective()).count();
        System.out.printf(Locale.ROOT, "wrote %s (%d frames, %d parts, %d defective, %d defects) and %s; %.1f frames/s%n",
                r.video(), r.labels().frames().size(), r.labels().parts().size(), defective,
                r.labels().defects().size(), r.annotations().getFileName(), r.framesPerSecond());
        return 0;
    }

    SynthOptions options() {
        SynthOptions.Difficulty p;
        try {
            p = SynthOptions.Preset.valueOf(preset.toUpperCase(Locale.ROOT)).difficulty();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--preset: unknown '" + preset + "'; valid: easy, normal, hard");
        }
        double[] c = {p.minContrast(), p.maxContrast()};
        if (contrast != null) {
            String[] parts = contrast.split(":");
            if (parts.length != 2) {
                throw new IllegalArgumentException("--contrast: expected MIN:MAX, got '" + contrast + "'");
            }
            c = new double[] {Double.parseDouble(parts[0]), Double.parseDouble(parts[1])};
        }
        SynthOptions.Difficulty d = new SynthOptions.Difficulty(or(beltSpeed, p.beltSpeed()), or(lanes, p.lanes()),
                c[0], c[1], or(noise, p.noise()), or(exposure, p.exposure()), or(lighting, p.lighting()),
                or(jpegQuality, p.jpegQuality()), or(railHeight, p.railHeight()));
        EnumSet<DefectClass> drawn = EnumSet.allOf(DefectClass.class);
        if (classes != null && !classes.isEmpty()) {
            drawn = EnumSet.noneOf(DefectClass.class);
            for (String name : classes) {
                drawn.add(DefectClass.of(name));
            }
        }
        String[] wh = size.toLowerCase(Locale.ROOT).split("x");
        if (wh.length != 2) {
            throw new IllegalArgumentException("--size: expected WIDTHxHEIGHT, got '" + size + "'");
        }
        return new SynthOptions(seed, duration, fps, Integer.parseInt(wh[0]), Integer.parseInt(wh[1]), defectRate,
                drawn, d, bitrate);
    }

    private static <T> T or(T value, T fallback) {
        return value != null ? value : fallback;
    }
}
