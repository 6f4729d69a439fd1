package com.edgeinspect.appliance.bench;

import com.edgeinspect.appliance.config.ApplianceConfig;
import com.edgeinspect.appliance.source.FrameBuffer;
import com.edgeinspect.appliance.source.FrameSource;
import com.edgeinspect.appliance.source.StreamState;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * Decode speed of the appliance's frame sources on one clip, unpaced: every decoder in turn, several passes round
 * robin so a noisy machine slows them alike. A pass counts the frames the source decoded into the hand-off buffer
 * (packed BGR, as the detector takes it) from open to end of file. {@code benchmarks/decode.sh} prints the table.
 *
 * <p>Usage: {@code DecodeBenchmark CLIP PASSES DECODER...}
 */
public final class DecodeBenchmark {

    private DecodeBenchmark() {}

    public static void main(String[] args) throws Exception {
        String clip = args[0];
        int passes = Integer.parseInt(args[1]);
        List<String> decoders = List.of(args).subList(2, args.length);
        List<List<Double>> fps = new ArrayList<>();
        decoders.forEach(d -> fps.add(new ArrayList<>()));
        for (int pass = 0; pass <= passes; pass++) { // pass 0 warms up
            for (int i = 0; i < decoders.size(); i++) {
                double f = pass(clip, decoders.get(i));
                if (pass > 0) {
                    fps.get(i).add(f);
                }
                System.err.printf(Locale.ROOT, "pass %d %s: %.1f fps%n", pass, decoders.get(i), f);
            }
        }
        for (int i = 0; i < decoders.size(); i++) {
            List<Double> v = fps.get(i).stream().sorted().toList();
            System.out.printf(Locale.ROOT, "RESULT decoder=%s median_fps=%.1f min_fps=%.1f max_fps=%.1f%n",
                    decoders.get(i), v.get(v.size() / 2), v.get(0), v.get(v.size() - 1));
        }
    }

    private static double pass(String clip, String decoder) throws Exception {
        ApplianceConfig.Stream s = new ApplianceConfig.Stream("bench", clip, false, false, null, null, null, null,
                null, decoder);
        long t0 = System.nanoTime();
        try (FrameSource src = FrameSource.of(s).start()) {
            while (src.state() != StreamState.ENDED) {
                FrameBuffer f = src.frames().take(100, TimeUnit.MILLISECONDS);
                if (f != null) {
                    src.frames().release(f);
                }
                if (src.state() == StreamState.RECONNECTING) {
                    throw new IllegalStateException(decoder + ": " + src.lastError());
                }
            }
            return src.decoded() / ((System.nanoTime() - t0) / 1e9);
        }
    }
}
