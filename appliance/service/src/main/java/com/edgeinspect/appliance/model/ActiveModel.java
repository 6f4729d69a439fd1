package com.edgeinspect.appliance.model;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The model that serves, swappable between two frames. A stream worker holds a {@link Use} for exactly one frame;
 * {@link #swap} makes the next {@code use()} get the new model at once, while frames already in inference finish on
 * the old one, which is closed when its last use ends. No frame waits for a swap and no session is closed under a
 * running inference.
 */
public final class ActiveModel implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ActiveModel.class);

    /** One model with the number of frames currently using it. */
    private static final class Lease {
        final LoadedModel model;
        int users;
        boolean retired;

        Lease(LoadedModel model) {
            this.model = model;
        }
    }

    /** The model for one frame; close it when the frame is done. */
    public final class Use implements AutoCloseable {
        private final Lease lease;
        private boolean closed;

        private Use(Lease lease) {
            this.lease = lease;
        }

        public LoadedModel model() {
            return lease.model;
        }

        @Override
        public void close() {
            synchronized (ActiveModel.this) {
                if (!closed) {
                    closed = true;
                    lease.users--;
                    closeIfDone(lease);
                }
            }
        }
    }

    private Lease current;

    public ActiveModel(LoadedModel first) {
        this.current = new Lease(first);
    }

    public synchronized Use use() {
        if (current == null) {
            throw new IllegalStateException("the appliance is shutting down");
        }
        current.users++;
        return new Use(current);
    }

    /** The serving model, for status pages; do not infer with it (use {@link #use()}). */
    public synchronized LoadedModel peek() {
        return current == null ? null : current.model;
    }

    /** Makes {@code next} serve from the next frame on; returns the model it replaced (closed once unused). */
    public synchronized LoadedModel swap(LoadedModel next) {
        Lease old = current;
        current = new Lease(next);
        old.retired = true;
        closeIfDone(old);
        return old.model;
    }

    private void closeIfDone(Lease lease) {
        if (lease.retired && lease.users == 0) {
            try {
                lease.model.close();
            } catch (Exception e) {
                LOG.warn("closing model {}: {}", lease.model.version(), e.toString());
            }
        }
    }

    @Override
    public synchronized void close() {
        if (current != null) {
            current.retired = true;
            closeIfDone(current);
            current = null;
        }
    }
}
