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
 * nothing. One file per message, named by a sequence number, so the order survives restarts. When full, the oldest
 * message is dropped and counted (a box offline for days must not fill its disk); a file that does not parse (torn
 * by a failing disk) is moved aside and counted, never delivered half.
 */
public final class Spool {

    private static final Logger LOG = LoggerFactory.getLogger(Spool.class);
    private static final String SUFFIX = ".msg";

    /** One queued message. */
    public record Message(long sequence, String topic, int qos, byte[] payload) {}

    private final Path dir;
    private final int maxMessages;
    private final Deque<Long> queue = new ArrayDeque<>();
    private long next;
    private long dropped;
    private long corrupt;
    private long refused;

    public Spool(Path dir, int maxMessages) throws IOException {
        this.dir = dir;
        this.maxMessages = maxMessages;
        Files.createDirectories(dir);
        List<Long> found = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*" + SUFFIX)) {
            for (Path p : ds) {
                String n = p.getFileName().toString();
                try {
                    found.add(Long.parseLong(n.substring(0, n.length() - SUFFIX.length())));
                } catch (NumberFormatException e) {
                    LOG.warn("spool: ignoring stray file {}", p);
                }
            }
        }
        found.sort(null);
        queue.addAll(found);
        next = found.isEmpty() ? 1 : found.get(found.size() - 1) + 1;
        if (!found.isEmpty()) {
            LOG.info("spool {}: {} message(s) from before the restart still to deliver", dir, found.size());
        }
    }

    /** Queues a message durably; returns its sequence number once it is on disk. */
    public synchronized long append(String topic, int qos, byte[] payload) throws IOException {
        long seq = next++;
        AtomicFiles.write(file(seq), out -> {
            DataOutputStream d = new DataOutputStream(out);
            d.writeUTF(topic);
            d.writeByte(qos);
            d.writeInt(payload.length);
            d.write(payload);
            d.flush();
        });
        queue.addLast(seq);
        while (queue.size() > maxMessages) {
            Files.deleteIfExists(file(queue.pollFirst()));
            dropped++;
        }
        notifyAll();
        return seq;
    }

    /** The oldest message, waiting up to {@code millis} for one; null if none came. */
    public synchronized Message peek(long millis) throws InterruptedException {
        long deadline = System.nanoTime() + millis * 1_000_000; // monotonic: a clock step must not stretch a wait
        while (true) {
            while (queue.isEmpty()) {
                long left = (deadline - System.nanoTime()) / 1_000_000;
                if (left <= 0) {
                    return null;
                }
                wait(left);
            }
            long seq = queue.peekFirst();
            try (DataInputStream in = new DataInputStream(Files.newInputStream(file(seq)))) {
                String topic = in.readUTF();
                int qos = in.readByte();
                int n = in.readInt();
                if (n < 0 || n > 64 << 20) {
                    throw new IOException("payload length " + n);
                }
                return new Message(seq, topic, qos, in.readNBytes(n));
            } catch (IOException e) {
                LOG.error("spool: message {} is unreadable ({}); moved aside", file(seq), e.getMessage());
                setAside(queue.pollFirst(), ".corrupt");
                corrupt++;
            }
        }
    }

    /** Removes a delivered message (no-op if it was dropped meanwhile). */
    public synchronized void remove(Message m) throws IOException {
        if (queue.remove(m.sequence())) {
            Files.deleteIfExists(file(m.sequence()));
        }
    }

    /** Sets aside a message the broker refused for good, so the ones behind it flow; kept on disk for inspection. */
    public synchronized void refuse(Message m) {
        if (queue.remove(m.sequence())) {
            setAside(m.sequence(), ".refused");
            refused++;
        }
    }

    private void setAside(long seq, String suffix) {
        try {
            Files.move(file(seq), file(seq, suffix));
        } catch (IOException ignored) {
            // already gone: nothing to keep
        }
    }

    public synchronized long refused() {
        return refused;
    }

    public synchronized int size() {
        return queue.size();
    }

    /** Messages dropped because the spool was full. */
    public synchronized long dropped() {
        return dropped;
    }

    public synchronized long corrupt() {
        return corrupt;
    }

    private Path file(long seq) {
        return file(seq, SUFFIX);
    }

    private Path file(long seq, String suffix) {
        return dir.resolve(String.format("%020d", seq) + suffix);
    }
}
