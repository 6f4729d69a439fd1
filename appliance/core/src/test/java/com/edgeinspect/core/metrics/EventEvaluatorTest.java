package com.edgeinspect.core.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import com.edgeinspect.core.dataset.Box;
import com.edgeinspect.core.dataset.VideoAnnotations;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** One defective part, one alert: the event metric on a two-frame clip with a defective and a good part. */
class EventEvaluatorTest {

    /** Frame 0: defective part 1 at the left, good part 2 at the right; frame 1: part 1 moved right, part 2 gone. */
    static final VideoAnnotations CLIP = new VideoAnnotations(VideoAnnotations.FORMAT,
            new VideoAnnotations.Video("clip.mp4", 400, 100, 30, 2), List.of("scratch"), Map.of(),
            List.of(new VideoAnnotations.Part(1, "plate", true, 0, 1), new VideoAnnotations.Part(2, "plate", false, 0, 0),
                    new VideoAnnotations.Part(3, "plate", true, 1, 1)),
            List.of(new VideoAnnotations.Defect(10, 1, 0, 20, 1), new VideoAnnotations.Defect(11, 3, 0, 20, 1)),
            List.of(new VideoAnnotations.FrameLabels(0, List.of(new VideoAnnotations.PartBox(1, new Box(0, 0, 100, 100)),
                            new VideoAnnotations.PartBox(2, new Box(200, 0, 300, 100))), List.of()),
                    new VideoAnnotations.FrameLabels(1, List.of(new VideoAnnotations.PartBox(1, new Box(100, 0, 200, 100)),
                            new VideoAnnotations.PartBox(3, new Box(300, 0, 400, 100))), List.of())));

    @Test
    void theFirstAlertOnADefectivePartIsTrueAndTheRestCountAgainstPrecision() {
        EventEvaluator e = new EventEvaluator(CLIP);
        e.add(0, new Box(40, 40, 60, 60));      // part 1
        e.add(1, new Box(140, 40, 160, 60));    // part 1 again, where it moved to: a duplicate
        e.add(0, new Box(240, 40, 260, 60));    // the good part
        e.add(1, new Box(240, 40, 260, 60));    // bare belt: part 2 has left
        assertThat(e.defectiveParts()).isEqualTo(2);
        assertThat(e.truePositives()).isEqualTo(1);
        assertThat(e.duplicates()).isEqualTo(1);
        assertThat(e.falseAlerts()).isEqualTo(2);
        assertThat(e.found(1)).isTrue();
        assertThat(e.found(3)).isFalse();
        assertThat(e.missed()).extracting(VideoAnnotations.Part::track).containsExactly(3L);
        assertThat(e.recall()).isEqualTo(0.5);
        assertThat(e.precision()).isEqualTo(0.25);
    }

    @Test
    void framesBeyondTheClipWrapAroundAsALoopingStreamDoes() {
        EventEvaluator e = new EventEvaluator(CLIP);
        e.add(3, new Box(340, 40, 360, 60));    // frame 3 of the loop is frame 1: part 3
        assertThat(e.found(3)).isTrue();
        assertThat(e.precision()).isEqualTo(1.0);
    }

    @Test
    void withoutAlertsNothingIsFoundAndNothingIsFalse() {
        EventEvaluator e = new EventEvaluator(CLIP);
        assertThat(e.recall()).isZero();
        assertThat(e.precision()).isEqualTo(1.0);
    }
}
