package com.edgeinspect.appliance.model;

import com.edgeinspect.core.bundle.BundleException;
import com.edgeinspect.core.io.AtomicFiles;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The installed models on disk: {@code active.vimodel} and the one before it, {@code previous.vimodel} (the last known
 * good). Installing is two atomic steps (active → previous by rename, then the new bundle written as active with
 * temp file, fsync and rename), so a power cut at any moment leaves at least one complete, verifiable bundle. At
 * start the appliance takes the first of active, previous and the configured factory bundle that verifies and
 * passes its smoke test.
 */
public final class ModelStore {

    private static final Logger LOG = LoggerFactory.getLogger(ModelStore.class);

    private final Path active;
    private final Path previous;

    public ModelStore(Path dir) throws IOException {
        Files.createDirectories(dir);
        this.active = dir.resolve("active.vimodel");
        this.previous = dir.resolve("previous.vimodel");
    }

    /** Loads the best model there is: active, else previous, else the factory bundle. */
    public LoadedModel loadBest(ModelLoader loader, Path factory) throws BundleException {
        List<String> refused = new ArrayList<>();
        for (Path p : List.of(active, previous, factory)) {
            if (!Files.exists(p)) {
                continue;
            }
            try {
                LoadedModel m = loader.load(p);
                if (!refused.isEmpty()) {
                    LOG.warn("started with {} from {}; refused: {}", m.version(), p, refused);
                }
                return m;
            } catch (BundleException e) {
                refused.add(e.getMessage());
            }
        }
        throw new BundleException("no usable model: " + (refused.isEmpty() ? "no bundle at " + factory : refused));
    }

    /** Records a bundle that now serves; the one it replaced becomes the last known good. */
    public void commit(byte[] bundle) throws IOException {
        if (Files.exists(active)) {
            try {
                Files.move(active, previous, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(active, previous, StandardCopyOption.REPLACE_EXISTING);
            }
        }
        AtomicFiles.write(active, bundle);
    }

    public Path active() {
        return active;
    }

    public Path previous() {
        return previous;
    }
}
