package com.edgeinspect.core.detect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.FloatBuffer;
import org.junit.jupiter.api.Test;

/** The region an early-exit model's heads run on, from the gate's map of a 320 x 160 frame (20 x 10 ALIGN cells). */
class RegionTest {

    private static final int ROWS = 10;
    private static final int COLUMNS = 20;

    private static FloatBuffer map(int... hot) {
        float[] cells = new float[ROWS * 2 * COLUMNS * 2];
        for (int i = 0; i < hot.length; i += 2) {
            cells[hot[i] * COLUMNS * 2 + hot[i + 1]] = 0.9f;
        }
        return FloatBuffer.wrap(cells);
    }

    @Test
    void noHotCellMeansTheFrameExits() {
        assertThat(Region.of(map(), ROWS, COLUMNS, 0.5f)).isNull();
        assertThat(Region.of(map(4, 4), ROWS, COLUMNS, 0.95f)).isNull();
    }

    @Test
    void hotCellsAreBoxedWidenedByTheMarginAndRoundedOutToPowerOfTwoSides() {
        // Gate cells (row 8, column 10) and (row 9, column 13): pixels y 64-80, x 80-112; widened by 48: y 16-128,
        // x 32-160; in 16-pixel cells: rows 1-8 (7, grown to 8), columns 2-10 (8).
        Region r = Region.of(map(8, 10, 9, 13), ROWS, COLUMNS, 0.5f);
        assertThat(r).isEqualTo(new Region(1, 2, 9, 10, ROWS, COLUMNS));
        assertThat(r.input()).containsExactly(1, 2, 9, 10);
        assertThat(r.x()).isEqualTo(32);
        assertThat(r.y()).isEqualTo(16);
        assertThat(r.outputHeight()).isEqualTo(32);
        assertThat(r.outputWidth()).isEqualTo(32);
        assertThat(r.share()).isEqualTo(8.0 * 8 / 200);
    }

    @Test
    void sidesArePowersOfTwoInsideTheFrame() {
        assertThat(Region.bucketed(3, 5, 20)).as("2 cells grow to the minimum 4").containsExactly(3, 7);
        assertThat(Region.bucketed(17, 20, 20)).as("moved back inside").containsExactly(16, 20);
        assertThat(Region.bucketed(-2, 7, 20)).as("clipped, then 7 grows to 8").containsExactly(0, 8);
        assertThat(Region.bucketed(2, 13, 20)).as("11 would grow to 16").containsExactly(2, 18);
        assertThat(Region.bucketed(1, 18, 20)).as("17 would grow past the frame").containsExactly(0, 20);
        java.util.Set<Integer> sizes = new java.util.TreeSet<>();
        for (int from = -3; from < 68; from++) {
            for (int to = from + 1; to < 72; to++) {
                int[] b = Region.bucketed(from, to, 68);
                assertThat(b[0]).isLessThanOrEqualTo(Math.max(0, from));
                assertThat(b[1]).isGreaterThanOrEqualTo(Math.min(68, to)).isLessThanOrEqualTo(68);
                sizes.add(b[1] - b[0]);
            }
        }
        assertThat(sizes).as("sides of a 1088-pixel frame").containsExactly(4, 8, 16, 32, 64, 68);
    }

    @Test
    void theRegionStopsAtTheFramesEdges() {
        Region r = Region.of(map(0, 0, 19, 39), ROWS, COLUMNS, 0.5f);
        assertThat(r).isEqualTo(Region.whole(ROWS, COLUMNS));
        assertThat(r.share()).isEqualTo(1.0);
    }

    @Test
    void detectionsNearAnInnerEdgeAreDroppedButNotNearTheFramesEdge() {
        Region r = new Region(0, 2, 8, 10, ROWS, COLUMNS); // inner edges: left (x 32), bottom (y 128), right (x 160)
        assertThat(r.inside(50, 2)).as("near the top, which is the frame's edge").isTrue();
        assertThat(r.inside(47, 60)).as("within 16 px of the left edge").isFalse();
        assertThat(r.inside(48, 60)).isTrue();
        assertThat(r.inside(143.9, 111.9)).isTrue();
        assertThat(r.inside(144, 60)).as("within 16 px of the right edge").isFalse();
        assertThat(r.inside(60, 112)).as("within 16 px of the bottom edge").isFalse();
    }

    @Test
    void aDefectWithinReachOfAHotCellIsCoveredClearOfTheBorder() {
        for (int hot = 5; hot < 30; hot++) {
            Region r = Region.of(map(5, hot), ROWS, COLUMNS, 0.5f);
            for (int centre = hot - Region.REACH; centre <= hot + Region.REACH; centre++) {
                for (double x : new double[] {centre * 8, centre * 8 + 7.99}) {
                    assertThat(r.inside(x, 44)).as("centre x %.2f, hot cell column %d", x, hot).isTrue();
                }
            }
        }
    }

    @Test
    void aMapOfTheWrongSizeIsRefused() {
        assertThatThrownBy(() -> Region.of(FloatBuffer.allocate(10), ROWS, COLUMNS, 0.5f))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("gate map has 10 cells");
    }
}
