package com.edgeinspect.appliance.track;

import com.edgeinspect.core.dataset.Box;
import com.edgeinspect.core.detect.Detection;

/**
 * One defect followed across frames. Its motion is a constant velocity in pixels per frame (a belt moves parts
 * steadily): from its second sighting on, the belt's, learnt from all tracks, once that has settled; otherwise its
 * own, smoothed over sightings so one noisy box does not throw the prediction off. A track seen once predicts no
 * motion and is matched loosely, so its second sighting measures the belt without depending on that estimate. Its
 * class is the one with the largest summed score over all sightings, and its score the mean of all sightings whatever
 * class each named, so a detector that wavers between two classes (scratch and crack, on a blurred line) neither
 * splits the defect nor dilutes the evidence that it is there. Two detections of it in one frame (both classes
 * peaking on the same line) are one sighting.
 */
public final class Track {

    private static final double SMOOTHING = 0.5;

    private final long id;
    /** The belt's motion shared by all tracks of the stream, or null where each moves its own way. */
    private final BeltMotion belt;
    private final long firstSeen;
    private final double[] classScore;
    private double scoreSum;
    /** The best score of the last sighting, which later detections of the same frame may raise. */
    private float lastScore;
    private Box box;
    private long lastSeen;
    private double vx;
    private double vy;
    private int hits;
    private int frames;
    private float bestScore;

    Track(long id, Detection d, long sequence, int classes, BeltMotion belt) {
        this.id = id;
        this.belt = belt;
        this.firstSeen = sequence;
        this.classScore = new double[classes];
        this.box = d.box();
        this.lastSeen = sequence;
        this.hits = 1;
        this.frames = 1;
        this.bestScore = d.score();
        classScore[d.classId()] += d.score();
        scoreSum = d.score();
        lastScore = d.score();
    }

    void update(Detection d, long sequence) {
        long dt = sequence - lastSeen;
        double mx = (d.box().centerX() - box.centerX()) / dt;
        double my = (d.box().centerY() - box.centerY()) / dt;
        if (belt != null) {
            belt.measured(mx, my);
        }
        if (hits == 1) {
            vx = mx;
            vy = my;
        } else {
            vx += SMOOTHING * (mx - vx);
            vy += SMOOTHING * (my - vy);
        }
        box = d.box();
        lastSeen = sequence;
        hits++;
        classScore[d.classId()] += d.score();
        scoreSum += d.score();
        lastScore = d.score();
        bestScore = Math.max(bestScore, d.score());
    }

    /**
     * Another detection of the defect in the frame it was just seen in (the model peaked there for a second class):
     * it votes for its class, and the sighting counts at the better of the two scores, not as a second sighting.
     */
    void alsoSaw(Detection d) {
        classScore[d.classId()] += d.score();
        if (d.score() > lastScore) {
            scoreSum += d.score() - lastScore;
            lastScore = d.score();
            bestScore = Math.max(bestScore, d.score());
        }
    }

    /** Where the box should be at {@code sequence}, moved by the estimated velocity. */
    public Box predict(long sequence) {
        long dt = sequence - lastSeen;
        double dx = vx() * dt;
        double dy = vy() * dt;
        return new Box(box.x1() + dx, box.y1() + dy, box.x2() + dx, box.y2() + dy);
    }

    private double vx() { // seen once: no motion, matched loosely, so its next sighting measures the belt unbiased
        return hits > 1 && belt != null && belt.settled() ? belt.vx() : vx;
    }

    private double vy() {
        return hits > 1 && belt != null && belt.settled() ? belt.vy() : vy;
    }

    public long id() {
        return id;
    }

    public int classId() {
        int best = 0;
        for (int c = 1; c < classScore.length; c++) {
            if (classScore[c] > classScore[best]) {
                best = c;
            }
        }
        return best;
    }

    /** Mean score of all sightings, of any class. */
    public float meanScore() {
        return (float) (scoreSum / hits);
    }

    public Box box() {
        return box;
    }

    public float bestScore() {
        return bestScore;
    }

    public int hits() {
        return hits;
    }

    /** Processed frames since the first sighting, that one included: the chances it had to be seen. */
    public int frames() {
        return frames;
    }

    /** Counts one more processed frame of the track's life (called before it is matched in that frame). */
    void tick() {
        frames++;
    }

    public long firstSeen() {
        return firstSeen;
    }

    public long lastSeen() {
        return lastSeen;
    }

    /** Pixels per frame, as predicted. */
    public double speed() {
        return Math.hypot(vx(), vy());
    }
}
