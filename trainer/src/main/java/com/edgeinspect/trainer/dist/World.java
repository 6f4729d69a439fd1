package com.edgeinspect.trainer.dist;

import java.time.Duration;
import java.util.Map;
import org.bytedeco.javacpp.SizeTPointer;
import org.bytedeco.javacpp.chrono.Milliseconds;
import org.bytedeco.pytorch.AllreduceOptions;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.ProcessGroupGloo;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.TCPStore;
import org.bytedeco.pytorch.TCPStoreOptions;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * The processes training one model together, on PyTorch's own distributed engine (c10d): rendezvous through a
 * {@code TCPStore} served by rank 0, collectives through Gloo (CPU; NCCL is the GPU equivalent). A world of one
 * process does nothing. Ranks find each other in the torchrun convention: {@code MASTER_ADDR}, {@code MASTER_PORT},
 * {@code RANK}, {@code WORLD_SIZE}.
 */
public final class World implements AutoCloseable {

    private static final World SINGLE = new World(0, 1, null, null);

    private final int rank;
    private final int size;
    private final TCPStore store;
    private final ProcessGroupGloo group;

    private World(int rank, int size, TCPStore store, ProcessGroupGloo group) {
        this.rank = rank;
        this.size = size;
        this.store = store;
        this.group = group;
    }

    public static World single() {
        return SINGLE;
    }

    /** Joins the world the environment describes, or the single-process one if it describes none. */
    public static World fromEnvironment(Map<String, String> env, Duration timeout) {
        String size = env.get("WORLD_SIZE");
        if (size == null || Integer.parseInt(size) == 1) {
            return single();
        }
        for (String k : new String[] {"RANK", "MASTER_ADDR", "MASTER_PORT"}) {
            if (env.get(k) == null) {
                throw new IllegalArgumentException("WORLD_SIZE=" + size + " but " + k + " is not set");
            }
        }
        return join(env.get("MASTER_ADDR"), Integer.parseInt(env.get("MASTER_PORT")),
                Integer.parseInt(env.get("RANK")), Integer.parseInt(size), timeout);
    }

    /** Rendezvous at {@code master:port} (rank 0 serves it); returns once all {@code size} ranks are there. */
    public static World join(String master, int port, int rank, int size, Duration timeout) {
        if (size < 1 || rank < 0 || rank >= size || port < 1 || port > 65535) {
            throw new IllegalArgumentException("bad world: rank " + rank + " of " + size + " at " + master + ":" + port);
        }
        if (size == 1) {
            return single();
        }
        TCPStoreOptions o = new TCPStoreOptions();
        o.port((short) port);
        o.isServer(rank == 0);
        o.numWorkers(new SizeTPointer(1).put(0, size));
        o.waitWorkers(true);
        o.timeout(new Milliseconds(timeout.toMillis()));
        TCPStore store = new TCPStore(master, o);
        ProcessGroupGloo.Options g = ProcessGroupGloo.Options.create();
        g.devices().push_back(ProcessGroupGloo.createDefaultDevice());
        g.timeout(new Milliseconds(timeout.toMillis()));
        return new World(rank, size, store, new ProcessGroupGloo(store, rank, size, g));
    }

    public int rank() {
        return rank;
    }

    public int size() {
        return size;
    }

    /** Rank 0 writes checkpoints, logs and reports. */
    public boolean leads() {
        return rank == 0;
    }

    /**
     * Sums tensors over all ranks, in place, as one flat bucket: one collective per call whatever the number of
     * tensors (the Java API has no autograd hooks to overlap it with the backward pass).
     */
    public void allReduceSum(TensorVector tensors) {
        if (size == 1 || tensors.size() == 0) {
            return;
        }
        try (NoGradGuard g = new NoGradGuard()) {
            TensorVector flat = new TensorVector();
            for (long i = 0; i < tensors.size(); i++) {
                flat.push_back(tensors.get(i).reshape(-1));
            }
            Tensor bucket = torch.cat(flat);
            group.allreduce(new TensorVector(bucket), new AllreduceOptions())._wait();
            long at = 0;
            for (long i = 0; i < tensors.size(); i++) {
                Tensor t = tensors.get(i);
                long n = t.numel();
                t.copy_(bucket.narrow(0, at, n).view(t.shape()));
                at += n;
            }
        }
    }

    /** Averages tensors over all ranks, in place. */
    public void allReduceMean(TensorVector tensors) {
        allReduceSum(tensors);
        if (size > 1) {
            try (NoGradGuard g = new NoGradGuard()) {
                for (long i = 0; i < tensors.size(); i++) {
                    tensors.get(i).div_(new Scalar((double) size));
                }
            }
        }
    }

    /** Waits until every rank reaches this point. */
    public void barrier() {
        allReduceSum(new TensorVector(torch.zeros(1)));
    }

    @Override
    public void close() {
        if (group != null) {
            group.close();
            store.close();
        }
    }
}
