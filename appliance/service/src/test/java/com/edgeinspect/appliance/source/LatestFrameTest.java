package com.edgeinspect.appliance.source;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class LatestFrameTest {

    @Test
    void aSlowReaderGetsTheNewestFrameAndDropsAreCounted() throws Exception {
        LatestFrame slot = new LatestFrame();
        for (int i = 1; i <= 5; i++) {
            FrameBuffer b = slot.writable();
            b.reset(4, 2, i, System.nanoTime(), 0);
            slot.publish(b);
        }
        FrameBuffer got = slot.take(1, TimeUnit.SECONDS);
        assertThat(got.sequence()).isEqualTo(5);
        assertThat(slot.dropped()).isEqualTo(4);
        // While the reader holds a frame, the writer keeps cycling through the two other buffers.
        for (int i = 6; i <= 9; i++) {
            FrameBuffer b = slot.writable();
            b.reset(4, 2, i, System.nanoTime(), 0);
            slot.publish(b);
        }
        slot.release(got);
        assertThat(slot.take(1, TimeUnit.SECONDS).sequence()).isEqualTo(9);
        assertThat(slot.dropped()).isEqualTo(7);
    }

    @Test
    void takeTimesOutAndCloseWakesTheReader() throws Exception {
        LatestFrame slot = new LatestFrame();
        assertThat(slot.take(10, TimeUnit.MILLISECONDS)).isNull();
        Thread closer = new Thread(() -> {
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                return;
            }
            slot.close();
        });
        closer.start();
        long t0 = System.nanoTime();
        assertThat(slot.take(10, TimeUnit.SECONDS)).isNull();
        assertThat(System.nanoTime() - t0).isLessThan(TimeUnit.SECONDS.toNanos(5));
    }
}
