package com.edgeinspect.core.bundle;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * 1,500 malformed bundles made from the shipped one (bit flips, truncations, inserted and overwritten bytes, spliced
 * halves of another bundle): reading each either verifies (only when every hash and the signature still hold) or
 * ends in a {@link BundleException} naming the bundle; nothing else escapes and nothing hangs.
 */
class BundleFuzzTest {

    static final Path DEFAULT = Path.of("../../models/default.vimodel");

    @Test
    void malformedBundlesAreRejectedCleanly() throws Exception {
        byte[] good = Files.readAllBytes(DEFAULT);
        Bundle.Trust trust = new Bundle.Trust(List.of(Keys.readPublic(Path.of("../../models/demo-signing.pub"))),
                false, 16L << 20);
        Random r = new Random(20261128);
        int rejected = 0;
        int accepted = 0;
        for (int i = 0; i < 1500; i++) {
            byte[] bad = mutate(good, r, i % 5);
            String where = "fuzz#" + i;
            try {
                Bundle b = Bundle.read(bad, where, trust); // a hang fails the test at the suite's timeout
                // A change that leaves every verified byte intact (e.g. in zip metadata) may still verify.
                assertThat(b.manifest().name()).isEqualTo("defect-student");
                accepted++;
            } catch (BundleException e) {
                assertThat(e.getMessage()).startsWith(where + ":");
                rejected++;
            }
        }
        System.out.printf("malformed bundles: %d rejected, %d still valid%n", rejected, accepted);
        assertThat(rejected).isGreaterThan(1400);
    }

    private static byte[] mutate(byte[] good, Random r, int kind) {
        byte[] b = good.clone();
        switch (kind) {
            case 0 -> { // flip 1-16 bits anywhere
                for (int k = 1 + r.nextInt(16); k > 0; k--) {
                    b[r.nextInt(b.length)] ^= (byte) (1 << r.nextInt(8));
                }
            }
            case 1 -> b = Arrays.copyOf(b, r.nextInt(b.length)); // truncated
            case 2 -> { // overwrite a run with random bytes
                int at = r.nextInt(b.length);
                for (int k = at; k < Math.min(b.length, at + 1 + r.nextInt(64)); k++) {
                    b[k] = (byte) r.nextInt(256);
                }
            }
            case 3 -> { // insert random bytes
                int at = r.nextInt(b.length);
                byte[] ins = new byte[1 + r.nextInt(32)];
                r.nextBytes(ins);
                byte[] out = new byte[b.length + ins.length];
                System.arraycopy(b, 0, out, 0, at);
                System.arraycopy(ins, 0, out, at, ins.length);
                System.arraycopy(b, at, out, at + ins.length, b.length - at);
                b = out;
            }
            default -> { // the head of the bundle with a tail from elsewhere in it
                int cut = r.nextInt(b.length);
                int from = r.nextInt(b.length);
                byte[] out = Arrays.copyOf(b, cut + (b.length - from));
                System.arraycopy(b, from, out, cut, b.length - from);
                b = out;
            }
        }
        return b;
    }
}
