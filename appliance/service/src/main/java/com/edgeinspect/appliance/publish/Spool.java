package com.edgeinspect.appliance.publish;

import com.edgeinspect.core.io.AtomicFiles;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A bounded, ordered, crash-safe queue of outgoing MQTT messages on disk: every alert is written here (temp file,
 * fsync, rename) and removed only after the broker acknowledged it, so a broker outage or a power cut loses nothing
 * that was stored. One file per message, named by a sequence number, so the order survives restarts. Two lanes:
 * alerts, and bulk (snapshots): an alert never waits behind a snapshot of tens of kilobytes, and each lane keeps its
 * own order (one writer's messages in the order it appended them).
 *
 * <p>A message is queued before its file is written and can be sent from memory meanwhile: its delivery does not
 * wait for the disk's fsync, and a write never holds the lock the publisher needs. Until {@link #append} returns
 * the message is as durable as before it was called; a message acknowledged during its write is deleted once the
 * write is done. When full, the oldest snapshot is dropped, and only when none is left the oldest alert, each counted
 * (a box offline for days must not fill its disk); a file that does not parse (torn by a failing disk) is moved aside
 * and counted, never delivered half.
 */
public final class Spool {

    private static final Logger LOG = LoggerFactory.getLogger(Spool.class);

    /**
     * One queued message.
     *
     * @param originNanos {@link System#nanoTime()} when what it reports happened (for an alert: its frame was
     *     decoded), negative if unknown (given none, or stored before a restart)
     * @param queuedNanos {@link System#nanoTime()} when it was queued, negative if stored before a restart
     */
    public record Message(long sequence, String topic, int qos, byte[] payload, long originNanos, long queuedNanos) {}

    /** What the spool remembers of a queued message besides its file. */
    private record Times(long originNanos, long queuedNanos) {
        static final Times UNKNOWN = new Times(-1, -1);
    }

    /** A lane's messages by sequence number, oldest first, each in a file named by the lane's suffix. */
    private record Lane(NavigableMap<Long, Times> queue, String suffix) {
        Lane(String suffix) {
            this(new TreeMap<>(), suffix);
        }
    }

    private final Path dir;
    private final int maxMessages;
    private final Lane alerts = new Lane(".msg");
    private final Lane bulk = new Lane(".bulk");
    /** Messages queued whose file is still being written, sent from here meanwhile. */
    private final Map<Long, Message> writing = new HashMap<>();
    /** Messages the broker refused while their file was written: set aside once it is. */
    private final Set<Long> refusedWhileWriting = new HashSet<>();
    private long next;
    private long dropped;
    private long corrupt;
    private long refused;

    public Spool(Path dir, int maxMessages) throws IOException {
        this.dir = dir;
        this.maxMessages = maxMessages;
        Files.createDirectories(dir);
        long last = 0;
        for (Lane lane : List.of(alerts, bulk)) {
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*" + lane.suffix())) {
                for (Path p : ds) {
                    String n = p.getFileName().toString();
                    try {
                        lane.queue().put(Long.parseLong(n.substring(0, n.length() - lane.suffix().length())),
                                Times.UNKNOWN);
                    } catch (NumberFormatException e) {
                        LOG.warn("spool: ignoring stray file {}", p);
                    }
                }
            }
            last = Math.max(last, lane.queue().isEmpty() ? 0 : lane.queue().lastKey());
        }
        next = last + 1;
        if (size() > 0) {
            LOG.info("spool {}: {} message(s) from before the restart still to deliver", dir, size());
        }
    }

    /** A message to queue: {@code bulk} for a snapshot or the like; {@code originNanos} as in {@link Message}. */
    public record Outgoing(String topic, int qos, byte[] payload, boolean bulk, long originNanos) {}

    /** The messages of one {@link #append} the disk refused: no longer queued, though they may have been sent. */
    public static final class NotStored extends IOException {
        private final transient List<Outgoing> messages;

        NotStored(List<Outgoing> messages, IOException cause) {
            super(messages.size() + " message(s) not stored: " + cause.getMessage(), cause);
            this.messages = List.copyOf(messages);
        }

        public List<Outgoing> messages() {
            return messages;
        }
    }

    /** Queues an alert durably; returns once it is on disk. */
    public void append(String topic, int qos, byte[] payload) throws NotStored {
        append(List.of(new Outgoing(topic, qos, payload, false, -1)));
    }

    /**
     * Queues messages in their order and returns once every one is on disk. All are queued before the first is
     * written, so the publisher may send them while the disk catches up: one frame's third alert does not wait for
     * two fsyncs. A message is delivered after the waiting alerts if it is bulk, and dropped first when the spool
     * is full.
     *
     * @throws NotStored naming the messages the disk refused, after the others were written
     */
    public void append(List<Outgoing> messages) throws NotStored {
        long[] sequences = new long[messages.size()];
        synchronized (this) {
            long now = System.nanoTime();
            for (int i = 0; i < messages.size(); i++) {
                Outgoing o = messages.get(i);
                long seq = next++;
                sequences[i] = seq;
                writing.put(seq, new Message(seq, o.topic(), o.qos(), o.payload(), o.originNanos(), now));
                lane(o).queue().put(seq, new Times(o.originNanos(), now));
            }
            while (size() > maxMessages) {
                Lane victim = bulk.queue().isEmpty() ? alerts : bulk;
                long oldest = victim.queue().pollFirstEntry().getKey();
                if (!writing.containsKey(oldest)) { // one being written is deleted by its writer
                    deleteQuietly(file(oldest, victim));
                }
                dropped++;
            }
            notifyAll();
        }
        List<Outgoing> refused = new ArrayList<>();
        IOException cause = null;
        for (int i = 0; i < messages.size(); i++) {
            try {
                store(sequences[i], messages.get(i));
            } catch (IOException e) {
                refused.add(messages.get(i));
                cause = cause == null ? e : cause;
            }
        }
        if (cause != null) {
            throw new NotStored(refused, cause);
        }
    }

    /** Writes a queued message's file; then settles what happened to it meanwhile (delivered, dropped, refused). */
    private void store(long seq, Outgoing o) throws IOException {
        Lane lane = lane(o);
        boolean stored = false;
        try {
            AtomicFiles.write(file(seq, lane), out -> {
                DataOutputStream d = new DataOutputStream(out);
                d.writeUTF(o.topic());
                d.writeByte(o.qos());
                d.writeInt(o.payload().length);
                d.write(o.payload());
                d.flush();
            });
            stored = true;
        } finally {
            synchronized (this) {
                writing.remove(seq);
                boolean refusedMeanwhile = refusedWhileWriting.remove(seq);
                if (!stored) {
                    lane.queue().remove(seq);
                } else if (refusedMeanwhile) {
                    setAside(seq, lane, ".refused");
                } else if (!lane.queue().containsKey(seq)) { // delivered or dropped while it was written
                    deleteQuietly(file(seq, lane));
                }
            }
        }
    }

    private Lane lane(Outgoing o) {
        return o.bulk() ? bulk : alerts;
    }

    /** A message file that is no longer queued: if it cannot be deleted now, a restart delivers it once more. */
    private static void deleteQuietly(Path f) {
        try {
            Files.deleteIfExists(f);
        } catch (IOException e) {
            LOG.warn("spool: {} could not be deleted ({}); a restart would deliver it again", f, e.toString());
        }
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
            Lane lane = alerts.queue().isEmpty() ? bulk : alerts;
            long seq = lane.queue().firstKey();
            Message inMemory = writing.get(seq);
            if (inMemory != null) {
                return inMemory;
            }
            Times times = lane.queue().get(seq);
            try (DataInputStream in = new DataInputStream(Files.newInputStream(file(seq, lane)))) {
                String topic = in.readUTF();
                int qos = in.readByte();
                int n = in.readInt();
                if (n < 0 || n > 64 << 20) {
                    throw new IOException("payload length " + n);
                }
                return new Message(seq, topic, qos, in.readNBytes(n), times.originNanos(), times.queuedNanos());
            } catch (IOException e) {
                LOG.error("spool: message {} is unreadable ({}); moved aside", file(seq, lane), e.getMessage());
                lane.queue().pollFirstEntry();
                setAside(seq, lane, ".corrupt");
                corrupt++;
            }
        }
    }

    /** Removes a delivered message (no-op if it was dropped meanwhile). */
    public synchronized void remove(Message m) throws IOException {
        Lane lane = take(m);
        if (lane != null && !writing.containsKey(m.sequence())) { // one being written is deleted by its writer
            Files.deleteIfExists(file(m.sequence(), lane));
        }
    }

    /** Sets aside a message the broker refused for good, so the ones behind it flow; kept on disk for inspection. */
    public synchronized void refuse(Message m) {
        Lane lane = take(m);
        if (lane != null) {
            if (writing.containsKey(m.sequence())) {
                refusedWhileWriting.add(m.sequence());
            } else {
                setAside(m.sequence(), lane, ".refused");
            }
            refused++;
        }
    }

    /** Takes a message out of its lane; returns the lane, or null if it was dropped meanwhile. */
    private Lane take(Message m) {
        for (Lane lane : List.of(alerts, bulk)) {
            if (lane.queue().remove(m.sequence()) != null) {
                return lane;
            }
        }
        return null;
    }

    private void setAside(long seq, Lane lane, String as) {
        Path f = file(seq, lane);
        try {
            Files.move(f, f.resolveSibling(f.getFileName() + as));
        } catch (IOException ignored) {
            // already gone: nothing to keep
        }
    }

    public synchronized long refused() {
        return refused;
    }

    public synchronized int size() {
        return alerts.queue().size() + bulk.queue().size();
    }

    /** Messages dropped because the spool was full. */
    public synchronized long dropped() {
        return dropped;
    }

    public synchronized long corrupt() {
        return corrupt;
    }

    private Path file(long seq, Lane lane) {
        return dir.resolve(String.format("%020d", seq) + lane.suffix());
    }
}
