package com.edgeinspect.appliance.events;

import com.edgeinspect.core.alert.AlertEvent;
import com.edgeinspect.core.io.AtomicFiles;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The box's own memory of recent alerts, for the web page and {@code /api/events}: each alert's latest message and
 * its snapshot, on disk so they survive a restart, bounded to the newest {@code max} alerts (older ones and their
 * pictures are deleted). Files are written atomically; an unreadable one is skipped at load, not fatal.
 */
public final class EventStore {

    private static final Logger LOG = LoggerFactory.getLogger(EventStore.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Alert ids are UUIDs; anything else never reaches the filesystem. */
    private static final Pattern ID = Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");

    private final Path dir;
    private final int max;
    private final LinkedHashMap<String, AlertEvent> recent = new LinkedHashMap<>();

    public EventStore(Path dir, int max) throws IOException {
        this.dir = dir;
        this.max = max;
        Files.createDirectories(dir);
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*.json")) {
            ds.forEach(files::add);
        }
        files.sort(Comparator.comparing(p -> p.toFile().lastModified()));
        for (Path p : files) {
            try {
                AlertEvent e = JSON.readValue(p.toFile(), AlertEvent.class);
                recent.put(e.id(), e);
            } catch (IOException e) {
                LOG.warn("event store: skipping unreadable {}: {}", p, e.getMessage());
            }
        }
        prune();
    }

    /** Records an alert message; {@code snapshot} (JPEG) is kept with the alert when given. */
    public synchronized void record(AlertEvent e, byte[] snapshot) throws IOException {
        if (!ID.matcher(e.id()).matches()) {
            throw new IllegalArgumentException("alert id " + e.id() + " is not a UUID");
        }
        if (snapshot != null) {
            AtomicFiles.write(dir.resolve(e.id() + ".jpg"), snapshot);
        }
        AtomicFiles.write(dir.resolve(e.id() + ".json"), JSON.writeValueAsBytes(e));
        recent.remove(e.id());
        recent.put(e.id(), e);
        prune();
    }

    /** The newest alerts first, each in its latest state. */
    public synchronized List<AlertEvent> latest(int limit) {
        List<AlertEvent> all = new ArrayList<>(recent.values());
        Collections.reverse(all);
        return all.subList(0, Math.min(limit, all.size()));
    }

    /** An alert's snapshot, or null when unknown. */
    public byte[] snapshot(String id) throws IOException {
        if (!ID.matcher(id).matches()) {
            return null;
        }
        Path p = dir.resolve(id + ".jpg");
        return Files.isRegularFile(p) ? Files.readAllBytes(p) : null;
    }

    /** Alerts per class among those kept. */
    public synchronized Map<String, Integer> countsByClass() {
        Map<String, Integer> m = new LinkedHashMap<>();
        recent.values().forEach(e -> m.merge(e.className(), 1, Integer::sum));
        return m;
    }

    private void prune() throws IOException {
        while (recent.size() > max) {
            String oldest = recent.keySet().iterator().next();
            recent.remove(oldest);
            Files.deleteIfExists(dir.resolve(oldest + ".json"));
            Files.deleteIfExists(dir.resolve(oldest + ".jpg"));
        }
    }
}
