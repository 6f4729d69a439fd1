package com.edgeinspect.appliance.bench;

import com.edgeinspect.appliance.Appliance;
import com.edgeinspect.appliance.config.ApplianceConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.bytedeco.ffmpeg.global.avutil;

/**
 * What a model swap costs the line: the appliance runs a clip paced like a camera (embedded broker) and the
 * bundled model is shipped to it again and again over MQTT under new versions (the real path: offer, chunks,
 * verify, stage, load, smoke test, warm-up, swap). For each swap it compares the 10 s before (largest pause between
 * processed frames, drops) with the 10 s that hold the swap.
 *
 * <p>Usage: {@code SwapBenchmark CLIP SWAPS}; prints one line per swap and a {@code RESULT} line.
 */
public final class SwapBenchmark {

    private SwapBenchmark() {}

    public static void main(String[] args) throws Exception {
        avutil.av_log_set_level(avutil.AV_LOG_ERROR);
        Path clip = Path.of(args[0]);
        int swaps = Integer.parseInt(args[1]);
        Path state = Files.createTempDirectory("edgeinspect-swap");
        int port = BenchSetup.freePort();
        Reshipper reshipper = new Reshipper(state);
        ApplianceConfig config = BenchSetup.config("swap", clip, state, port,
                BenchSetup.trustedKeys(reshipper.publicKey().toString()), "{probation_seconds: 1}");
        double worstBefore = 0;
        double worstSwap = 0;
        long dropsBefore = 0;
        long dropsSwap = 0;
        double installSeconds = 0;
        try (Appliance a = Appliance.start(config); reshipper) {
            reshipper.connect(port);
            Thread.sleep(15_000); // past start-up: JIT and first allocations are not the swap's
            for (int i = 1; i <= swaps; i++) {
                Map<String, Object> before = stream(a);
                Thread.sleep(10_000);
                Map<String, Object> quiet = stream(a);
                long t0 = System.nanoTime();
                reshipper.ship("swap", "1." + i + ".0");
                double took = (System.nanoTime() - t0) / 1e9;
                Thread.sleep(Math.max(0, 9_000 - (long) (took * 1000))); // the 10 s window still holds the swap
                Map<String, Object> after = stream(a);
                double gapBefore = ((Number) quiet.get("maxGapMs")).doubleValue();
                double gapSwap = ((Number) after.get("maxGapMs")).doubleValue();
                long dq = (long) quiet.get("dropped") - (long) before.get("dropped");
                long ds = (long) after.get("dropped") - (long) quiet.get("dropped");
                System.out.printf(Locale.ROOT, "swap %d: rollout %.2f s; largest gap %.0f ms before, %.0f ms with the"
                        + " swap; drops %d before, %d with the swap (10 s each)%n", i, took, gapBefore, gapSwap, dq, ds);
                worstBefore = Math.max(worstBefore, gapBefore);
                worstSwap = Math.max(worstSwap, gapSwap);
                dropsBefore += dq;
                dropsSwap += ds;
                installSeconds += took;
            }
            Map<String, Object> last = stream(a);
            System.out.printf(Locale.ROOT, "RESULT swaps=%d source_fps=%s processed=%s rollout_s=%.2f gap_before_ms=%.0f"
                    + " gap_swap_ms=%.0f drops_before=%d drops_swap=%d%n", swaps, last.get("sourceFps"),
                    last.get("processed"), installSeconds / swaps, worstBefore, worstSwap, dropsBefore, dropsSwap);
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> stream(Appliance a) {
        return ((List<Map<String, Object>>) a.status().get("streams")).get(0);
    }
}
