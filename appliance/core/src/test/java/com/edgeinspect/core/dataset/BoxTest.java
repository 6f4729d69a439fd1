package com.edgeinspect.core.dataset;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;

import org.junit.jupiter.api.Test;

class BoxTest {

    @Test
    void iouOfHandComputedCases() {
        Box a = new Box(0, 0, 10, 10);
        assertThat(a.iou(a)).isEqualTo(1.0);
        assertThat(a.iou(new Box(5, 0, 15, 10))).isCloseTo(50.0 / 150.0, offset(1e-12));
        assertThat(a.iou(new Box(10, 0, 20, 10))).isZero();
    }

    @Test
    void centreDistance() {
        assertThat(new Box(0, 0, 10, 10).centreDistance(new Box(3, 4, 13, 14))).isEqualTo(5.0);
    }

    @Test
    void clipAndWithin() {
        Box b = new Box(-0.5, 2, 65, 30);
        assertThat(b.within(64, 48, 1)).isTrue();
        assertThat(b.within(64, 48, 0.2)).isFalse();
        assertThat(b.clip(64, 48)).isEqualTo(new Box(0, 2, 64, 30));
        assertThat(new Box(70, 0, 80, 5).clip(64, 48)).isNull();
    }

    @Test
    void emptyBoxesAreRejected() {
        assertThatThrownBy(() -> new Box(5, 5, 5, 9)).hasMessageContaining("empty or inverted");
        assertThatThrownBy(() -> new Box(5, 5, Double.NaN, 9)).hasMessageContaining("empty or inverted");
    }
}
