package com.edgeinspect.appliance.publish;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SpoolTest {

    @TempDir
    Path dir;

    @Test
    void keepsOrderAcrossRestartsAndDropsTheOldestWhenFull() throws Exception {
        Spool s = new Spool(dir, 10);
        for (int i = 0; i < 5; i++) {
            s.append("t/" + i, 1, new byte[] {(byte) i});
        }
        Spool.Message first = s.peek(0);
        assertThat(first.topic()).isEqualTo("t/0");
        s.remove(first);
        Spool reopened = new Spool(dir, 10); // a restart: what was not acknowledged is still there, in order
        assertThat(reopened.size()).isEqualTo(4);
        assertThat(reopened.peek(0).topic()).isEqualTo("t/1");
        for (int i = 5; i < 20; i++) {
            reopened.append("t/" + i, 1, new byte[] {(byte) i});
        }
        assertThat(reopened.size()).isEqualTo(10);
        assertThat(reopened.dropped()).isEqualTo(9);
        assertThat(reopened.peek(0).topic()).isEqualTo("t/10");
        assertThat(reopened.peek(0).payload()).containsExactly(10);
    }

    @Test
    void aTornFileIsSetAsideNotDelivered() throws Exception {
        Spool s = new Spool(dir, 10);
        s.append("a", 1, new byte[100]);
        s.append("b", 1, new byte[] {1});
        Path torn;
        try (var files = Files.list(dir)) {
            torn = files.sorted().findFirst().orElseThrow();
        }
        Files.write(torn, new byte[] {0, 5, 'a'});
        Spool reopened = new Spool(dir, 10);
        assertThat(reopened.peek(0).topic()).isEqualTo("b");
        assertThat(reopened.corrupt()).isEqualTo(1);
        assertThat(reopened.peek(50)).isNotNull();
        reopened.remove(reopened.peek(0));
        assertThat(reopened.peek(50)).isNull();
    }

    @Test
    void alertsGoBeforeSnapshotsWhichAreDroppedFirstWhenFull() throws Exception {
        Spool s = new Spool(dir, 4);
        s.append(List.of(new Spool.Outgoing("snap/1", 1, new byte[1000], true, -1)));
        s.append("alert/1", 1, new byte[] {1});
        s.append(List.of(new Spool.Outgoing("snap/2", 1, new byte[1000], true, -1)));
        s.append("alert/2", 1, new byte[] {2});
        s.append("alert/3", 1, new byte[] {3}); // full: the oldest snapshot goes
        assertThat(s.dropped()).isEqualTo(1);
        Spool reopened = new Spool(dir, 4); // the lanes survive a restart
        List<String> order = new ArrayList<>();
        for (Spool.Message m = reopened.peek(0); m != null; m = reopened.peek(0)) {
            order.add(m.topic());
            reopened.remove(m);
        }
        assertThat(order).containsExactly("alert/1", "alert/2", "alert/3", "snap/2");
    }

    @Test
    void messagesTakenWhileTheyAreWrittenGoOnceInOrderAndLeaveNoFile() throws Exception {
        Spool s = new Spool(dir, 1000);
        int n = 60;
        List<String> delivered = Collections.synchronizedList(new ArrayList<>());
        Thread publisher = new Thread(() -> {
            try {
                while (delivered.size() < n) {
                    Spool.Message m = s.peek(5000);
                    if (m == null) {
                        return;
                    }
                    delivered.add(m.topic());
                    s.remove(m); // often before the message's own write has finished
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        publisher.start();
        for (int i = 0; i < n; i += 3) { // a frame's alerts come together: all queued before the first is written
            List<Spool.Outgoing> frame = new ArrayList<>();
            for (int k = i; k < i + 3; k++) {
                frame.add(new Spool.Outgoing("t/" + k, 1, new byte[] {(byte) k}, false, System.nanoTime()));
            }
            s.append(frame);
        }
        publisher.join(10_000);
        assertThat(delivered).containsExactlyElementsOf(IntStream.range(0, n).mapToObj(i -> "t/" + i).toList());
        assertThat(s.size()).isZero();
        try (var files = Files.list(dir)) {
            assertThat(files.toList()).isEmpty();
        }
    }

    @Test
    void aMessageCarriesItsTimesUntilARestart() throws Exception {
        Spool s = new Spool(dir, 10);
        long origin = System.nanoTime() - 5_000_000;
        s.append(List.of(new Spool.Outgoing("alert/1", 1, new byte[] {1}, false, origin)));
        Spool.Message m = s.peek(0);
        assertThat(m.originNanos()).isEqualTo(origin);
        assertThat(m.queuedNanos()).isGreaterThan(origin);
        Spool.Message restored = new Spool(dir, 10).peek(0);
        assertThat(restored.topic()).isEqualTo("alert/1");
        assertThat(restored.originNanos()).isNegative();
        assertThat(restored.queuedNanos()).isNegative();
    }
}
