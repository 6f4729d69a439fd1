package com.edgeinspect.core.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import com.edgeinspect.core.dataset.Annotation;
import com.edgeinspect.core.dataset.Box;
import com.edgeinspect.core.detect.Detection;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The metric pinned to hand-computed cases. */
class DetectionEvaluatorTest {

    static final Box A = new Box(0, 0, 10, 10);
    static final Box B = new Box(50, 50, 70, 60);

    static Annotation gt(int c, Box b) {
        return new Annotation(c, b);
    }

    static Detection det(int c, Box b, double s) {
        return new Detection(c, b, (float) s);
    }

    @Test
    void perfectDetectionsScoreOne() {
        DetectionEvaluator e = new DetectionEvaluator(2);
        e.add(List.of(gt(0, A), gt(1, B)), List.of(det(0, A, 0.9), det(1, B, 0.8)));
        assertThat(e.map(0.5)).isEqualTo(1.0);
        assertThat(e.mapCoco()).isEqualTo(1.0);
    }

    @Test
    void noDetectionsScoreZeroAndClassesWithoutTruthAreLeftOut() {
        DetectionEvaluator e = new DetectionEvaluator(3);
        e.add(List.of(gt(0, A)), List.of());
        assertThat(e.map(0.5)).isZero();
        assertThat(e.perClass(0.5).get(2).ap()).isNaN();
        assertThat(new DetectionEvaluator(1).map(0.5)).isNaN();
    }

    @Test
    void duplicateIsAFalsePositive() {
        // gts: A, B. dets by score: A (TP), A again (duplicate, FP), B (TP).
        // precision 1, 1/2, 2/3 at recall 1/2, 1/2, 1. Envelope: 1 up to recall 0.5, then 2/3.
        // AP = (51 * 1 + 50 * 2/3) / 101.
        DetectionEvaluator e = new DetectionEvaluator(1);
        e.add(List.of(gt(0, A), gt(0, B)), List.of(det(0, A, 0.9), det(0, new Box(0, 0, 10, 11), 0.8), det(0, B, 0.7)));
        assertThat(e.map(0.5)).isCloseTo((51 + 50 * 2.0 / 3) / 101, offset(1e-12));
        DetectionEvaluator.ClassResult r = e.perClass(0.5).get(0);
        assertThat(r.atScore(0.75f)).containsExactly(0.5, 0.5);
        assertThat(r.atScore(0.5f)).containsExactly(2.0 / 3, 1.0);
    }

    @Test
    void wrongClassIsBothAMissAndAFalsePositive() {
        DetectionEvaluator e = new DetectionEvaluator(2);
        e.add(List.of(gt(0, A)), List.of(det(1, A, 0.9)));
        assertThat(e.perClass(0.5).get(0).ap()).isZero();
        assertThat(e.perClass(0.5).get(1).ap()).isNaN(); // no truth of class 1: not in the mean
        assertThat(e.map(0.5)).isZero();
    }

    @Test
    void crowdRegionsNeitherCountAsMissesNorPunishDetections() {
        DetectionEvaluator e = new DetectionEvaluator(1);
        Annotation crowd = new Annotation(0, new Box(100, 100, 200, 200), true, -1);
        e.add(List.of(gt(0, A), crowd), List.of(det(0, A, 0.6), det(0, new Box(120, 120, 140, 140), 0.9)));
        assertThat(e.map(0.5)).isEqualTo(1.0);
        assertThat(e.perClass(0.5).get(0).truths()).isEqualTo(1);
    }

    @Test
    void iouThresholdsMatter() {
        // IoU of A and a box shifted by 3 px: 70/130 = 0.538; a TP at 0.5, a miss at 0.55 and above.
        DetectionEvaluator e = new DetectionEvaluator(1);
        e.add(List.of(gt(0, A)), List.of(det(0, new Box(3, 0, 13, 10), 0.9)));
        assertThat(e.map(0.5)).isEqualTo(1.0);
        assertThat(e.map(0.55)).isZero();
        assertThat(e.mapCoco()).isCloseTo(0.1, offset(1e-12));
    }

    @Test
    void confusionShowsWhichClassTookAWrongDetection() {
        // Image 1: a class-0 truth at A found as class 1 (and, below the threshold, as class 0); a class-1 truth at
        // B found twice as class 1 (the second a second detection on a truth already taken). Image 2: a class-0 truth
        // missed, a detection on a crowd region left out, one on nothing (background).
        DetectionEvaluator e = new DetectionEvaluator(2);
        e.add(List.of(gt(0, A), gt(1, B)), List.of(det(1, A, 0.9), det(0, A, 0.2), det(1, B, 0.8),
                det(1, new Box(50, 50, 70, 61), 0.7)));
        Annotation crowd = new Annotation(1, new Box(100, 100, 200, 200), true, -1);
        e.add(List.of(gt(0, A), crowd), List.of(det(0, new Box(120, 120, 140, 140), 0.9),
                det(0, new Box(300, 300, 310, 310), 0.5)));
        int[][] m = e.confusion(0.5, 0.3f);
        assertThat(m[0]).containsExactly(0, 1, 1); // class 0: taken once by class 1, missed once
        assertThat(m[1]).containsExactly(0, 1, 0);
        assertThat(m[2 + DetectionEvaluator.BACKGROUND]).containsExactly(1, 0, 0); // on nothing: the class-0 one
        assertThat(m[2 + DetectionEvaluator.SECOND]).containsExactly(0, 1, 0); // B's duplicate
        // At threshold 0.1 the same-class detection wins the truth at A, though class 1's box fits it as well.
        assertThat(e.confusion(0.5, 0.1f)[0]).containsExactly(1, 0, 1);
        // ... and class 1's detection there becomes a second label on it, beside B's duplicate.
        assertThat(e.confusion(0.5, 0.1f)[2 + DetectionEvaluator.SECOND]).containsExactly(0, 2, 0);
    }
}
