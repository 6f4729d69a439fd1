package com.edgeinspect.core.metrics;

import com.edgeinspect.core.dataset.Annotation;
import com.edgeinspect.core.detect.Detection;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * COCO-style detection metrics: average precision per class at IoU thresholds, its mean over classes (mAP@0.5 and
 * mAP@0.5:0.95), precision and recall at a deployed score threshold, and the precision-recall curve.
 *
 * <p>Matching follows COCO: within an image and class, detections are taken by decreasing score and each is matched
 * to the unmatched ground truth of highest IoU at or above the threshold; a detection that only overlaps a crowd
 * region (VOC "difficult") is ignored rather than counted as a false positive, and crowd regions never count as
 * misses. AP is the area under the precision envelope sampled at 101 recall points (0, 0.01, ..., 1). Classes with
 * no ground truth are left out of the mean.
 */
public final class DetectionEvaluator {

    /** IoU thresholds of mAP@0.5:0.95. */
    public static final double[] COCO_IOUS = {0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95};

    private final int classes;
    private final List<List<Annotation>> truths = new ArrayList<>();
    private final List<List<Detection>> detections = new ArrayList<>();

    public DetectionEvaluator(int classes) {
        this.classes = classes;
    }

    /** Adds one image: its ground truth and what the detector found in it. */
    public void add(List<Annotation> truth, List<Detection> found) {
        truths.add(List.copyOf(truth));
        detections.add(List.copyOf(found));
    }

    /** Result for one class at one IoU threshold. */
    public record ClassResult(int classId, int truths, double ap, double[] recall, double[] precision,
            float[] scores) {

        /** Precision and recall counting only detections scoring at least {@code threshold}. */
        public double[] atScore(float threshold) {
            int n = 0;
            while (n < scores.length && scores[n] >= threshold) {
                n++;
            }
            return n == 0 ? new double[] {truths == 0 ? 1 : 0, 0} : new double[] {precision[n - 1], recall[n - 1]};
        }
    }

    /** Per-class results at one IoU threshold. */
    public List<ClassResult> perClass(double iou) {
        List<ClassResult> out = new ArrayList<>();
        for (int c = 0; c < classes; c++) {
            out.add(evaluate(c, iou));
        }
        return out;
    }

    /** {@link #confusion} rows of unmatched detections, offsets past the classes' rows. */
    public static final int BACKGROUND = 0;
    public static final int SECOND = 1;

    /** Mean AP over classes that have ground truth, at one IoU threshold; NaN when no class has any. */
    public double map(double iou) {
        return perClass(iou).stream().filter(r -> r.truths() > 0).mapToDouble(ClassResult::ap).average()
                .orElse(Double.NaN);
    }

    /** COCO's headline number: mean of {@link #map} over IoU 0.5, 0.55, ..., 0.95. */
    public double mapCoco() {
        return Arrays.stream(COCO_IOUS).map(this::map).average().orElse(Double.NaN);
    }

    /**
     * Where the deployed detections go, class against class. Entry [t][p] counts truths of class t matched (IoU at
     * least {@code iou}) to a detection of class p scoring at least {@code threshold}; column {@code classes} counts
     * truths no detection matched (missed). The detections that match no truth are split in two rows: row
     * {@link #BACKGROUND} those on nothing, row {@link #SECOND} those on a truth another detection took (a duplicate,
     * or the same defect called a second class: told apart from a hallucination, it says the detector found the
     * defect but hesitates between classes). Per image, pairs of the same class are matched first, then across
     * classes, each by decreasing IoU and one detection per truth, so the diagonal agrees with the per-class true
     * positives. Crowd truths, and detections only on a crowd region, are left out. AP counts a wrong class twice (a
     * miss and a false positive); this shows which class took it.
     */
    public int[][] confusion(double iou, float threshold) {
        int[][] m = new int[classes + 2][classes + 1];
        for (int img = 0; img < truths.size(); img++) {
            List<Annotation> all = truths.get(img);
            List<Annotation> gts = all.stream().filter(a -> !a.crowd()).toList();
            List<Detection> dets = detections.get(img).stream().filter(d -> d.score() >= threshold).toList();
            int[] matchedTo = new int[gts.size()];
            Arrays.fill(matchedTo, -1);
            boolean[] used = new boolean[dets.size()];
            for (boolean sameClass : new boolean[] {true, false}) {
                record Pair(int g, int d, double iou) {}
                List<Pair> pairs = new ArrayList<>();
                for (int g = 0; g < gts.size(); g++) {
                    for (int d = 0; d < dets.size(); d++) {
                        double v = dets.get(d).box().iou(gts.get(g).box());
                        if (v >= iou && (!sameClass || dets.get(d).classId() == gts.get(g).classId())) {
                            pairs.add(new Pair(g, d, v));
                        }
                    }
                }
                pairs.sort(Comparator.comparingDouble((Pair p) -> -p.iou()));
                for (Pair p : pairs) {
                    if (matchedTo[p.g()] < 0 && !used[p.d()]) {
                        matchedTo[p.g()] = p.d();
                        used[p.d()] = true;
                    }
                }
            }
            for (int g = 0; g < gts.size(); g++) {
                int predicted = matchedTo[g] < 0 ? classes : dets.get(matchedTo[g]).classId();
                m[gts.get(g).classId()][predicted]++;
            }
            for (int d = 0; d < dets.size(); d++) {
                if (!used[d] && !overlapsCrowd(dets.get(d), all, iou)) {
                    int row = classes + (onTruth(dets.get(d), gts, iou) ? SECOND : BACKGROUND);
                    m[row][dets.get(d).classId()]++;
                }
            }
        }
        return m;
    }

    private ClassResult evaluate(int cls, double iou) {
        record Scored(float score, int state) {}
        final int tp = 1;
        final int fp = 0;
        List<Scored> all = new ArrayList<>();
        int positives = 0;
        for (int img = 0; img < truths.size(); img++) {
            List<Annotation> gts = truths.get(img).stream().filter(a -> a.classId() == cls).toList();
            positives += (int) gts.stream().filter(a -> !a.crowd()).count();
            List<Detection> dets = new ArrayList<>(detections.get(img).stream().filter(d -> d.classId() == cls).toList());
            dets.sort(Comparator.comparingDouble((Detection d) -> -d.score()));
            boolean[] used = new boolean[gts.size()];
            for (Detection d : dets) {
                int best = -1;
                double bestIou = iou;
                for (int g = 0; g < gts.size(); g++) {
                    if (used[g] || gts.get(g).crowd()) {
                        continue;
                    }
                    double v = d.box().iou(gts.get(g).box());
                    if (v >= bestIou) {
                        bestIou = v;
                        best = g;
                    }
                }
                if (best >= 0) {
                    used[best] = true;
                    all.add(new Scored(d.score(), tp));
                } else if (!overlapsCrowd(d, gts, iou)) {
                    all.add(new Scored(d.score(), fp));
                }
            }
        }
        all.sort(Comparator.comparingDouble((Scored s) -> -s.score()));
        double[] recall = new double[all.size()];
        double[] precision = new double[all.size()];
        float[] scores = new float[all.size()];
        int hits = 0;
        for (int i = 0; i < all.size(); i++) {
            hits += all.get(i).state() == tp ? 1 : 0;
            recall[i] = positives == 0 ? 0 : (double) hits / positives;
            precision[i] = (double) hits / (i + 1);
            scores[i] = all.get(i).score();
        }
        return new ClassResult(cls, positives, positives == 0 ? Double.NaN : ap101(recall, precision), recall,
                precision, scores);
    }

    /** A detection on a (non-crowd) truth, at IoU at least {@code iou}. */
    private static boolean onTruth(Detection d, List<Annotation> gts, double iou) {
        return gts.stream().anyMatch(g -> d.box().iou(g.box()) >= iou);
    }

    /** A detection overlapping a crowd region: COCO measures crowd overlap as intersection over detection area. */
    private static boolean overlapsCrowd(Detection d, List<Annotation> gts, double iou) {
        for (Annotation g : gts) {
            if (g.crowd()) {
                double iw = Math.min(d.box().x2(), g.box().x2()) - Math.max(d.box().x1(), g.box().x1());
                double ih = Math.min(d.box().y2(), g.box().y2()) - Math.max(d.box().y1(), g.box().y1());
                if (iw > 0 && ih > 0 && iw * ih / d.box().area() >= iou) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Area under the precision envelope at 101 recall points. */
    static double ap101(double[] recall, double[] precision) {
        int n = precision.length;
        double[] envelope = precision.clone();
        for (int i = n - 2; i >= 0; i--) {
            envelope[i] = Math.max(envelope[i], envelope[i + 1]);
        }
        double sum = 0;
        int i = 0;
        for (int k = 0; k <= 100; k++) {
            double r = k / 100.0;
            while (i < n && recall[i] < r - 1e-12) {
                i++;
            }
            sum += i < n ? envelope[i] : 0;
        }
        return sum / 101;
    }
}
