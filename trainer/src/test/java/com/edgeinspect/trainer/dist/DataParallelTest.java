package com.edgeinspect.trainer.dist;

import static org.assertj.core.api.Assertions.assertThat;

import com.edgeinspect.trainer.model.Conv;
import com.edgeinspect.trainer.model.Detector;
import com.edgeinspect.trainer.model.DetectorSpec;
import com.edgeinspect.trainer.train.DetectionLoss;
import com.edgeinspect.trainer.train.FitLoop;
import com.edgeinspect.trainer.train.Sample;
import com.edgeinspect.trainer.train.SampleSets;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Data-parallel training over c10d (TCPStore + Gloo) with two real processes on localhost: the same weights as one
 * process running the same global batch as two micro-batches, and a run started on two processes resumes on one.
 */
class DataParallelTest {

    static final DetectorSpec SPEC = new DetectorSpec(5, new int[] {8, 8, 16, 16}, 1, 8);
    static final FitLoop.Settings SETTINGS = new FitLoop.Settings(6, 4, 3e-3, 1e-4, 2, 7, 100);

    @TempDir
    Path tmp;

    @Test
    void twoProcessesLearnWhatOneLearnsFromTheSameGlobalBatch() throws Exception {
        float[] reference = train(tmp.resolve("one"), World.single(), 2, SETTINGS.steps());

        Path shared = tmp.resolve("two");
        List<Process> ranks = launch(shared, 2, SETTINGS.steps());
        float[] rank0 = read(shared.resolve("weights-0.bin"));
        float[] rank1 = read(shared.resolve("weights-1.bin"));
        assertThat(maxDiff(rank0, rank1)).as("the ranks hold the same weights").isZero();
        assertThat(maxDiff(rank0, reference)).as("two processes vs one").isLessThan(1e-5);
        assertThat(maxDiff(reference, initial())).as("training moved the weights").isGreaterThan(1e-3);
        assertThat(Files.readAllLines(shared.resolve("log.csv"))).as("rank 0 alone logs").hasSize(SETTINGS.steps() + 1);
        ranks.forEach(Process::destroy);
    }

    @Test
    void aRunStartedOnTwoProcessesResumesOnOne() throws Exception {
        float[] reference = train(tmp.resolve("one"), World.single(), 2, SETTINGS.steps());
        Path run = tmp.resolve("moved");
        launch(run, 2, 3); // stops after step 3 with a checkpoint
        assertThat(Files.readString(run.resolve("checkpoint.txt")).trim()).isEqualTo("3");
        float[] resumed = train(run, World.single(), 2, SETTINGS.steps());
        assertThat(maxDiff(resumed, reference)).isLessThan(1e-5);
    }

    /** Trains the test network in this process; returns its weights. */
    static float[] train(Path runDir, World world, int microBatches, int until) throws Exception {
        List<Sample> samples = SampleSets.fromVideos(List.of(Path.of("../test-videos/mixed-defects.mp4")), 30, 96, 1,
                0.5, 1);
        torch.manual_seed(3);
        Detector net = new Detector(SPEC);
        new FitLoop(net, SETTINGS, runDir, world, microBatches).run(samples, 5, DetectionLoss.objective(net), until);
        return flat(net.parameters());
    }

    private static float[] initial() {
        torch.manual_seed(3);
        return flat(new Detector(SPEC).parameters());
    }

    /** Starts {@code size} rank processes on one run directory and waits for them. */
    private static List<Process> launch(Path runDir, int size, int until) throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Files.createDirectories(runDir);
        List<Process> ranks = new ArrayList<>();
        for (int rank = 0; rank < size; rank++) {
            List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx1g", "-cp", System.getProperty("java.class.path")));
            String cache = System.getProperty("org.bytedeco.javacpp.cachedir");
            if (cache != null) {
                cmd.add("-Dorg.bytedeco.javacpp.cachedir=" + cache);
            }
            cmd.addAll(List.of(Rank.class.getName(), runDir.toString(), Integer.toString(until)));
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(runDir.resolve("rank-" + rank + ".log").toFile());
            pb.environment().putAll(java.util.Map.of("MASTER_ADDR", "127.0.0.1", "MASTER_PORT", Integer.toString(port),
                    "RANK", Integer.toString(rank), "WORLD_SIZE", Integer.toString(size)));
            ranks.add(pb.start());
        }
        for (int rank = 0; rank < size; rank++) {
            Process p = ranks.get(rank);
            assertThat(p.waitFor(180, TimeUnit.SECONDS)).as("rank " + rank + " finished").isTrue();
            assertThat(p.exitValue()).as(Files.readString(runDir.resolve("rank-" + rank + ".log"))).isZero();
        }
        return ranks;
    }

    /** One rank: joins the world from the environment, trains, writes its weights. */
    public static final class Rank {
        public static void main(String[] args) throws Exception {
            Path runDir = Path.of(args[0]);
            try (World world = World.fromEnvironment(System.getenv(), java.time.Duration.ofMinutes(2))) {
                float[] w = train(runDir, world, 1, Integer.parseInt(args[1]));
                try (DataOutputStream out = new DataOutputStream(Files.newOutputStream(
                        runDir.resolve("weights-" + world.rank() + ".bin")))) {
                    out.writeInt(w.length);
                    for (float v : w) {
                        out.writeFloat(v);
                    }
                }
            }
        }
    }

    private static float[] read(Path f) throws Exception {
        try (DataInputStream in = new DataInputStream(Files.newInputStream(f))) {
            float[] w = new float[in.readInt()];
            for (int i = 0; i < w.length; i++) {
                w[i] = in.readFloat();
            }
            return w;
        }
    }

    private static float[] flat(TensorVector params) {
        List<float[]> parts = new ArrayList<>();
        int n = 0;
        for (long i = 0; i < params.size(); i++) {
            float[] p = Conv.floats(params.get(i));
            parts.add(p);
            n += p.length;
        }
        float[] out = new float[n];
        int at = 0;
        for (float[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }

    private static double maxDiff(float[] a, float[] b) {
        assertThat(a).hasSameSizeAs(b);
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs(a[i] - b[i]));
        }
        return m;
    }
}
