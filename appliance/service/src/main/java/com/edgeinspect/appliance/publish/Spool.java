package com.edgeinspect.appliance.publish;

import com.edgeinspect.core.io.AtomicFiles;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A bounded, ordered, crash-safe queue of outgoing MQTT messages on disk: every alert is written here first (temp
 * file, fsync, rename) and removed only after the broker acknowledged it, so a broker outage or a power cut loses
 * nothing. One file per message, named by a sequence number, so the order survives restarts. Two lanes: alerts, and
 * bulk (snapshots): an alert never waits behind a snapshot of tens of kilobytes, and each lane keeps its own order.
 * When full, the oldest snapshot is dropped, and only when none is left the oldest alert, each counted (a box offline
 * for days must not fill its disk); a file that does not parse (torn by a failing disk) is moved aside and counted,
 * never delivered half.
 */
public final class Spool {

    private static final Logger LOG = LoggerFactory.getLogger(Spool.class);
    private static final String SUFFIX = ".msg";
    private static final String BULK_SUFFIX = ".bulk";

    /** One queued message. */
    public record Message(long sequence, String topic, int qos, byte[] payload) {}

    private final Path dir;
    private final int maxMessages;
    private final Deque<Long> queue = new ArrayDeque<>();
    private final Deque<Long> bulk = new ArrayDeque<>();
    private long next;
    private long dropped;
    private long corrupt;
    private long refused;

    public Spool(Path dir, int maxMessages) throws IOException {
        this.dir = dir;
        this.maxMessages = maxMessages;
        Files.createDirectories(dir);
        long last = 0;
        for (String suffix : new String[] {SUFFIX, BULK_SUFFIX}) {
            List<Long> found = new ArrayList<>();
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*" + suffix)) {
                for (Path p : ds) {
                    String n = p.getFileName().toString();
                    try {
                        found.add(Long.parseLong(n.substring(0, n.length() - suffix.length())));
                    } catch (NumberFormatException e) {
                        LOG.warn("spool: ignoring stray file {}", p);
                    }
                }
            }
            found.sort(null);
            (suffix.equals(SUFFIX) ? queue : bulk).addAll(found);
            last = Math.max(last, found.isEmpty() ? 0 : found.get(found.size() - 1));
        }
        next = last + 1;
        if (size() > 0) {
            LOG.info("spool {}: {} message(s) from before the restart still to deliver", dir, size());
        }
    }

    /** Queues an alert durably; returns its sequence number once it is on disk. */
    public long append(String topic, int qos, byte[] payload) throws IOException {
        return append(topic, qos, payload, false);
    }

    /**
     * Queues a message durably; returns its sequence number once it is on disk.
     *
     * @param isBulk a snapshot or the like: delivered after the waiting alerts, dropped first when the spool is full
     */
    public synchronized long append(String topic, int qos, byte[] payload, boolean isBulk) throws IOException {
        long seq = next++;
        AtomicFiles.write(file(seq, isBulk ? BULK_SUFFIX : SUFFIX), out -> {
            DataOutputStream d = new DataOutputStream(out);
            d.writeUTF(topic);
            d.writeByte(qos);
            d.writeInt(payload.length);
            d.write(payload);
            d.flush();
        });
        (isBulk ? bulk : queue).addLast(seq);
        while (size() > maxMessages) {
            boolean dropBulk = !bulk.isEmpty();
            Files.deleteIfExists(file((dropBulk ? bulk : queue).pollFirst(), dropBulk ? BULK_SUFFIX : SUFFIX));
            dropped++;
        }
        notifyAll();
        return seq;
    }

    /** The oldest alert, else the oldest bulk message, waiting up to {@code millis} for one; null if none came. */
    public synchronized Message peek(long millis) throws InterruptedException {
        long deadline = System.nanoTime() + millis * 1_000_000; // monotonic: a clock step must not stretch a wait
        while (true) {
            while (size() == 0) {
                long left = (deadline - System.nanoTime()) / 1_000_000;
                if (left <= 0) {
                    return null;
                }
                wait(left);
            }
            Deque<Long> lane = queue.isEmpty() ? bulk : queue;
            String suffix = lane == queue ? SUFFIX : BULK_SUFFIX;
            long seq = lane.peekFirst();
            try (DataInputStream in = new DataInputStream(Files.newInputStream(file(seq, suffix)))) {
                String topic = in.readUTF();
                int qos = in.readByte();
                int n = in.readInt();
                if (n < 0 || n > 64 << 20) {
                    throw new IOException("payload length " + n);
                }
                return new Message(seq, topic, qos, in.readNBytes(n));
            } catch (IOException e) {
                LOG.error("spool: message {} is unreadable ({}); moved aside", file(seq, suffix), e.getMessage());
                setAside(lane.pollFirst(), suffix, ".corrupt");
                corrupt++;
            }
        }
    }

    /** Removes a delivered message (no-op if it was dropped meanwhile). */
    public synchronized void remove(Message m) throws IOException {
        if (queue.remove(m.sequence())) {
            Files.deleteIfExists(file(m.sequence(), SUFFIX));
        } else if (bulk.remove(m.sequence())) {
            Files.deleteIfExists(file(m.sequence(), BULK_SUFFIX));
        }
    }

    /** Sets aside a message the broker refused for good, so the ones behind it flow; kept on disk for inspection. */
    public synchronized void refuse(Message m) {
        boolean alert = queue.remove(m.sequence());
        if (alert || bulk.remove(m.sequence())) {
            setAside(m.sequence(), alert ? SUFFIX : BULK_SUFFIX, ".refused");
            refused++;
        }
    }

    private void setAside(long seq, String suffix, String as) {
        try {
            Files.move(file(seq, suffix), file(seq, suffix + as));
        } catch (IOException ignored) {
            // already gone: nothing to keep
        }
    }

    public synchronized long refused() {
        return refused;
    }

    public synchronized int size() {
        return queue.size() + bulk.size();
    }

    /** Messages dropped because the spool was full. */
    public synchronized long dropped() {
        return dropped;
    }

    public synchronized long corrupt() {
        return corrupt;
    }

    private Path file(long seq, String suffix) {
        return dir.resolve(String.format("%020d", seq) + suffix);
    }
}
