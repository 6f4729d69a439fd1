package com.edgeinspect.core.ship;

import com.edgeinspect.core.bundle.Bundle;
import com.edgeinspect.core.bundle.BundleException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * One piece of a bundle on {@code model/chunk/{sha256}}: the magic {@code VIC1}, a big-endian 16-bit header length,
 * a JSON header (bundle SHA-256, index, count, the chunk's SHA-256), then the bytes. Self-describing, so a chunk that
 * arrives late, twice or for another bundle is recognised and ignored.
 */
public record Chunk(String bundle, int index, int count, String sha256, byte[] data) {

    private static final byte[] MAGIC = "VIC1".getBytes(StandardCharsets.US_ASCII);
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES);

    private record Header(String bundle, int index, int count, String sha256) {}

    public static byte[] encode(String bundle, int index, int count, byte[] data) {
        byte[] header;
        try {
            header = JSON.writeValueAsBytes(new Header(bundle, index, count, Bundle.sha256(data)));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return ByteBuffer.allocate(MAGIC.length + 2 + header.length + data.length).put(MAGIC)
                .putShort((short) header.length).put(header).put(data).array();
    }

    /** Decodes and checks a chunk message: its bytes must match its own hash. */
    public static Chunk decode(byte[] payload, String where) throws BundleException {
        if (payload.length < MAGIC.length + 2 || !Arrays.equals(payload, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
            throw new BundleException(where + ": not a chunk (no VIC1 header)");
        }
        int len = ((payload[4] & 0xff) << 8) | (payload[5] & 0xff);
        if (6 + len > payload.length) {
            throw new BundleException(where + ": chunk header runs past the message (" + len + " bytes)");
        }
        Header h;
        try {
            h = JSON.readValue(payload, 6, len, Header.class);
        } catch (IOException e) {
            throw new BundleException(where + ": chunk header is not valid: " + e.getMessage());
        }
        if (h == null || h.bundle() == null || h.sha256() == null || h.index() < 0 || h.index() >= h.count()) {
            throw new BundleException(where + ": chunk header lacks bundle, sha256 or a valid index/count");
        }
        byte[] data = Arrays.copyOfRange(payload, 6 + len, payload.length);
        if (!Bundle.sha256(data).equals(h.sha256())) {
            throw new BundleException(where + ": chunk " + h.index() + " does not match its SHA-256 (truncated?)");
        }
        return new Chunk(h.bundle(), h.index(), h.count(), h.sha256(), data);
    }
}
