package com.edgeinspect.trainer.synth;

import com.edgeinspect.core.dataset.Box;
import com.edgeinspect.core.dataset.VideoAnnotations;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A conveyor scene: plans which parts pass, in which lane and when, then renders any frame with its exact ground
 * truth. Frames must be rendered in increasing order (sprites are built when a part enters and dropped when it
 * leaves). Every random choice comes from seeds derived from the options' seed, and defects draw from their own
 * streams, so a scene rendered without defects is pixel-identical elsewhere (tests rely on that).
 */
final class Scene {

    /** Parts between this fraction of the frame height and the rail are partially hidden by it. */
    private static final double UNDER_RAIL = 0.35;

    private final SynthOptions options;
    private final boolean paintDefects;
    private final int width;
    private final int height;
    private final double speed;
    private final int blur;
    private final List<Planned> planned = new ArrayList<>();
    private final Map<Long, Sprite> sprites = new HashMap<>();
    private final Map<Long, int[]> visibleFrames = new LinkedHashMap<>();
    private final Map<Long, Double> defectBestVisibility = new HashMap<>();
    private final Map<Long, Integer> paintedSizes = new HashMap<>();
    private final Belt belt;
    private final Camera camera;

    private record PlannedDefect(long id, DefectClass cls, double size, double contrast, long seed) {}

    private record Planned(long track, PartType type, double angle, double centreY, double entry,
            double extentX, long seed, List<PlannedDefect> defects) {}

    Scene(SynthOptions options, boolean paintDefects) {
        this.options = options;
        this.paintDefects = paintDefects;
        this.width = options.width();
        this.height = options.height();
        double scale = height / 1080.0;
        this.speed = options.difficulty().beltSpeed() * scale;
        this.blur = (int) Math.round(speed * options.difficulty().exposure());
        Random master = new Random(options.seed());
        this.belt = new Belt(width, height, new Random(master.nextLong()));
        this.camera = new Camera(options, new Random(master.nextLong()));
        plan(new Random(master.nextLong()));
    }

    private void plan(Random r) {
        int lanes = options.difficulty().lanes();
        int rail = camera.railHeight();
        List<DefectClass> classes = options.classList();
        long track = 1;
        long defectId = 1;
        for (int lane = 0; lane < lanes; lane++) {
            // Start with the belt already full: the first parts entered long before frame 0.
            double entry = -(width + 600) / speed + r.nextDouble() * 200 / speed;
            while (entry < options.frameCount()) {
                PartType type = PartType.values()[r.nextInt(PartType.values().length)];
                long seed = r.nextLong();
                int[] footprint = PartPainter.footprint(type, new Random(seed));
                double angle = type == PartType.PLATE ? (r.nextDouble() - 0.5) * 0.8 : r.nextDouble() * 2 * Math.PI;
                double c = Math.abs(Math.cos(angle));
                double s = Math.abs(Math.sin(angle));
                double extentX = footprint[0] * c + footprint[1] * s;
                double extentY = footprint[0] * s + footprint[1] * c;
                double centreY = laneCentre(r, lane, lanes, extentY, rail);
                List<PlannedDefect> defects = new ArrayList<>();
                if (!classes.isEmpty() && r.nextDouble() < options.defectRate()) {
                    int count = 1 + (r.nextDouble() < 0.3 ? 1 : 0) + (r.nextDouble() < 0.1 ? 1 : 0);
                    for (int i = 0; i < count; i++) {
                        DefectClass cls = classes.get(r.nextInt(classes.size()));
                        double size = cls.minSize() * Math.pow((double) cls.maxSize() / cls.minSize(), r.nextDouble());
                        SynthOptions.Difficulty d = options.difficulty();
                        double contrast = cls == DefectClass.CHIP ? 1
                                : d.minContrast() + r.nextDouble() * (d.maxContrast() - d.minContrast());
                        defects.add(new PlannedDefect(defectId++, cls, size * height / 1080.0, contrast, r.nextLong()));
                    }
                }
                planned.add(new Planned(track++, type, angle, centreY, entry, extentX, seed, defects));
                double gap = 40 + r.nextDouble() * 460;
                entry += (extentX + gap) / speed;
            }
        }
    }

    /** A centre for a part of this height in its lane; parts in the outer lanes may pass partly under the rails. */
    private double laneCentre(Random r, int lane, int lanes, double extentY, int rail) {
        double bandTop = lane * (double) height / lanes;
        double bandBottom = (lane + 1) * (double) height / lanes;
        double lo = bandTop + extentY / 2 + (lane == 0 ? rail - UNDER_RAIL * extentY : 4);
        double hi = bandBottom - extentY / 2 - (lane == lanes - 1 ? rail - UNDER_RAIL * extentY : 4);
        return hi > lo ? lo + r.nextDouble() * (hi - lo) : (bandTop + bandBottom) / 2;
    }

    private double centreX(Planned p, int frame) {
        return -p.extentX() / 2 - blur + speed * (frame - p.entry());
    }

    /** Renders frame {@code frame} into {@code rgb} (width x height, 0xRRGGBB) and returns what is where. */
    VideoAnnotations.FrameLabels render(int frame, int[] rgb) {
        belt.draw(rgb, speed * frame);
        List<VideoAnnotations.PartBox> partBoxes = new ArrayList<>();
        List<VideoAnnotations.DefectBox> defectBoxes = new ArrayList<>();
        int rail = camera.railHeight();
        for (Planned p : planned) {
            double cx = centreX(p, frame);
            if (cx + p.extentX() < -50 || cx - p.extentX() > width + 50) {
                sprites.remove(p.track());
                continue;
            }
            Sprite sprite = sprites.computeIfAbsent(p.track(), t -> sprite(p));
            int left = (int) Math.round(cx - sprite.width() / 2.0);
            int top = (int) Math.round(p.centreY() - sprite.height() / 2.0);
            composite(sprite, left, top, rgb);
            int[] b = sprite.body();
            Box body = new Box(left + b[0], top + b[1], left + b[2], top + b[3]).clip(width, height);
            Box seen = body == null ? null : body.clip(width, height - rail);
            if (seen != null && seen.y2() > rail) {
                seen = new Box(seen.x1(), Math.max(seen.y1(), rail), seen.x2(), seen.y2());
                partBoxes.add(new VideoAnnotations.PartBox(p.track(), seen));
                visibleFrames.merge(p.track(), new int[] {frame, frame}, (a, n) -> new int[] {a[0], frame});
                for (Sprite.DefectMask m : sprite.defects()) {
                    VideoAnnotations.DefectBox d = visible(m, left, top, rail);
                    if (d != null) {
                        defectBoxes.add(d);
                        defectBestVisibility.merge(m.id(), d.visible(), Math::max);
                    }
                }
            }
        }
        camera.apply(rgb, frame);
        return new VideoAnnotations.FrameLabels(frame, partBoxes, defectBoxes);
    }

    private Sprite sprite(Planned p) {
        // The part's stream starts with the footprint drawn at planning; painting continues from there.
        Random r = new Random(p.seed());
        int[] footprint = PartPainter.footprint(p.type(), r);
        PartBody body = PartPainter.paint(p.type(), footprint, r);
        Map<Long, boolean[]> masks = new LinkedHashMap<>();
        for (PlannedDefect d : p.defects()) {
            if (!paintDefects) {
                continue;
            }
            boolean[] mask = DefectPainter.paint(body, d.cls(), d.size(), d.contrast(), new Random(d.seed()));
            if (mask != null) {
                masks.put(d.id(), mask);
            }
        }
        Sprite sprite = SpriteBuilder.build(body, masks, p.angle(), blur);
        for (Sprite.DefectMask m : sprite.defects()) {
            paintedSizes.put(m.id(), m.size());
        }
        return sprite;
    }

    /** Draws a premultiplied sprite and its shadow over the frame. */
    private void composite(Sprite s, int left, int top, int[] rgb) {
        int x0 = Math.max(0, left);
        int x1 = Math.min(width, left + s.width());
        int y0 = Math.max(0, top);
        int y1 = Math.min(height, top + s.height());
        int[] src = s.argb();
        byte[] shadow = s.shadow();
        for (int y = y0; y < y1; y++) {
            int si = (y - top) * s.width() - left;
            int di = y * width;
            for (int x = x0; x < x1; x++) {
                int v = src[si + x];
                int a = v >>> 24;
                int sh = shadow[si + x] & 255;
                if (a == 0 && sh == 0) {
                    continue;
                }
                int d = rgb[di + x];
                // Behind the part the belt is darkened by the shadow, then covered by the part's coverage.
                int keep = (255 - a) * (255 - (sh * 115 >> 8)) / 255;
                int r = ((v >> 16) & 255) + ((d >> 16) & 255) * keep / 255;
                int g = ((v >> 8) & 255) + ((d >> 8) & 255) * keep / 255;
                int b = (v & 255) + (d & 255) * keep / 255;
                rgb[di + x] = Math.min(255, r) << 16 | Math.min(255, g) << 8 | Math.min(255, b);
            }
        }
    }

    /** The visible part of a defect: inside the frame and not under a rail. */
    private VideoAnnotations.DefectBox visible(Sprite.DefectMask m, int left, int top, int rail) {
        int x1 = Integer.MAX_VALUE, y1 = Integer.MAX_VALUE, x2 = -1, y2 = -1, seen = 0;
        for (int y = 0; y < m.h(); y++) {
            int fy = top + m.y() + y;
            if (fy < rail || fy >= height - rail) {
                continue;
            }
            for (int x = 0; x < m.w(); x++) {
                int fx = left + m.x() + x;
                if (fx >= 0 && fx < width && m.bits()[y * m.w() + x]) {
                    seen++;
                    x1 = Math.min(x1, fx);
                    x2 = Math.max(x2, fx);
                    y1 = Math.min(y1, fy);
                    y2 = Math.max(y2, fy);
                }
            }
        }
        if (seen == 0) {
            return null;
        }
        double fraction = Math.round(1000.0 * seen / m.count()) / 1000.0;
        return new VideoAnnotations.DefectBox(m.id(), new Box(x1, y1, x2 + 1, y2 + 1), fraction);
    }

    /** Parts seen in the rendered frames. A part is defective when one of its defects was at least half visible. */
    List<VideoAnnotations.Part> parts() {
        List<VideoAnnotations.Part> out = new ArrayList<>();
        for (Planned p : planned) {
            int[] seen = visibleFrames.get(p.track());
            if (seen == null) {
                continue;
            }
            boolean defective = p.defects().stream()
                    .anyMatch(d -> defectBestVisibility.getOrDefault(d.id(), 0.0) >= 0.5);
            out.add(new VideoAnnotations.Part(p.track(), p.type().label(), defective, seen[0], seen[1]));
        }
        return out;
    }

    /** Defects painted on parts that were seen; sizes are those of the full (unoccluded) masks. */
    List<VideoAnnotations.Defect> defects() {
        List<VideoAnnotations.Defect> out = new ArrayList<>();
        for (Planned p : planned) {
            if (!visibleFrames.containsKey(p.track())) {
                continue;
            }
            for (PlannedDefect d : p.defects()) {
                Integer size = paintedSizes.get(d.id());
                if (size != null) {
                    out.add(new VideoAnnotations.Defect(d.id(), p.track(), d.cls().ordinal(), size,
                            Math.round(d.contrast() * 1000) / 1000.0));
                }
            }
        }
        return out;
    }
}
