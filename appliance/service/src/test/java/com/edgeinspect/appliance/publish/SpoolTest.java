package com.edgeinspect.appliance.publish;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
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
        s.append("snap/1", 1, new byte[1000], true);
        s.append("alert/1", 1, new byte[] {1});
        s.append("snap/2", 1, new byte[1000], true);
        s.append("alert/2", 1, new byte[] {2});
        s.append("alert/3", 1, new byte[] {3}); // full: the oldest snapshot goes
        assertThat(s.dropped()).isEqualTo(1);
        Spool reopened = new Spool(dir, 4); // the lanes survive a restart
        java.util.List<String> order = new java.util.ArrayList<>();
        for (Spool.Message m = reopened.peek(0); m != null; m = reopened.peek(0)) {
            order.add(m.topic());
            reopened.remove(m);
        }
        assertThat(order).containsExactly("alert/1", "alert/2", "alert/3", "snap/2");
    }
}
