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
 * good), plus {@code staged.vimodel}, a verified bundle on its way in. A bundle is staged with temp file, fsync and
 * rename; promoting it is two renames (active → previous, staged → active), so a power cut at any moment leaves at
 * least one complete, verifiable bundle. At start the appliance takes the first of active, previous and the
 * configured factory bundle that verifies and passes its smoke test.
 */
public final class ModelStore {

    private static final Logger LOG = LoggerFactory.getLogger(ModelStore.class);

    private final Path dir;
    private final Path active;
    private final Path previous;
    private final Path staged;

    private final Path factory;

    /** @param factory the bundle shipped with the appliance: the last known good before any install */
    public ModelStore(Path dir, Path factory) throws IOException {
        Files.createDirectories(dir);
        this.dir = dir;
        this.factory = factory;
        this.active = dir.resolve("active.vimodel");
        this.staged = dir.resolve("staged.vimodel");
        this.previous = dir.resolve("previous.vimodel");
    }

    /** Loads the best model there is: active, else previous, else the factory bundle. */
    public LoadedModel loadBest(ModelLoader loader) throws BundleException {
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
        stage(bundle);
        promote();
    }

    /** Keeps a verified bundle durably before it is swapped in, so an interrupted install resumes from here. */
    public void stage(byte[] bundle) throws IOException {
        AtomicFiles.write(staged, bundle);
    }

    /**
     * The staged bundle becomes active; the active one (or, on the first install, the factory bundle) becomes the
     * last known good.
     */
    public void promote() throws IOException {
        if (Files.exists(active)) {
            move(active, previous);
        } else if (Files.isRegularFile(factory)) {
            AtomicFiles.write(previous, Files.readAllBytes(factory));
        }
        move(staged, active);
    }

    /** The last known good becomes active again and the bundle it replaces is kept as previous. */
    public void rollback() throws IOException {
        Path refused = dir.resolve("refused.vimodel");
        move(active, refused);
        move(previous, active);
        move(refused, previous);
    }

    private void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
        AtomicFiles.syncDirectory(dir);
    }

    public Path staged() {
        return staged;
    }

    public Path active() {
        return active;
    }

    public Path previous() {
        return previous;
    }
}
