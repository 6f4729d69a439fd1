package com.edgeinspect.core.ship;

import static org.assertj.core.api.Assertions.assertThat;

import com.edgeinspect.core.bundle.BundleException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Offers, chunks and state messages from the wire, 12,000 of them malformed (random bytes, mutated valid messages):
 * each parses or is refused with a {@link BundleException} naming where it came from (or, for states, null); no
 * other exception escapes.
 */
class ShipMessagesFuzzTest {

    @Test
    void malformedOffersChunksAndStatesAreRefusedCleanly() throws Exception {
        byte[] bundle = Files.readAllBytes(Path.of("../../models/default.vimodel"));
        Offer offer = Offer.of(bundle, 64 * 1024, false);
        byte[] offerJson = offer.toJson();
        byte[] chunk = Chunk.encode(offer.sha256(), 3, offer.chunks().size(), offer.chunk(bundle, 3));
        byte[] state = new ModelState("receiving", "box", "2026-11-28T00:00:00Z", offer.id(), offer.name(),
                offer.version(), offer.sha256(), null, 1, 13, java.util.List.of(java.util.List.of(1, 12)), null,
                new ModelState.Serving("defect-student", "0.2.0", offer.sha256())).toJson();
        Random r = new Random(7);
        int refused = 0;
        for (int i = 0; i < 4000; i++) {
            try {
                Offer.parse(mutate(offerJson, r), "offer#" + i);
            } catch (BundleException e) {
                assertThat(e.getMessage()).startsWith("offer#" + i + ":");
                refused++;
            }
            try {
                Chunk c = Chunk.decode(mutate(chunk, r), "chunk#" + i);
                assertThat(c.data()).isNotNull();
            } catch (BundleException e) {
                assertThat(e.getMessage()).startsWith("chunk#" + i + ":");
                refused++;
            }
            ModelState.parse(mutate(state, r)); // null or a state, never an exception
        }
        System.out.println("malformed offers and chunks refused: " + refused + " of 8000");
        assertThat(refused).isGreaterThan(6000);
    }

    /** Random bytes, or a valid message with bytes flipped, cut, or JSON values swapped for other types. */
    private static byte[] mutate(byte[] valid, Random r) {
        switch (r.nextInt(4)) {
            case 0 -> {
                byte[] b = new byte[r.nextInt(300)];
                r.nextBytes(b);
                return b;
            }
            case 1 -> {
                byte[] b = valid.clone();
                for (int k = 1 + r.nextInt(8); k > 0; k--) {
                    b[r.nextInt(b.length)] = (byte) r.nextInt(256);
                }
                return b;
            }
            case 2 -> {
                return java.util.Arrays.copyOf(valid, r.nextInt(valid.length));
            }
            default -> {
                String s = new String(valid, StandardCharsets.ISO_8859_1);
                String[] values = {"null", "-1", "1e308", "\"x\"", "[]", "{}", "true", "\"\"", "99999999999"};
                s = s.replaceFirst(":[^,{}\\[\\]]+", ":" + values[r.nextInt(values.length)]);
                return s.getBytes(StandardCharsets.ISO_8859_1);
            }
        }
    }
}
