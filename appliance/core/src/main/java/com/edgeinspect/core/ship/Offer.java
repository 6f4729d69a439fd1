package com.edgeinspect.core.ship;

import com.edgeinspect.core.bundle.Bundle;
import com.edgeinspect.core.bundle.BundleException;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.UUID;

/**
 * A model offered to a device or a fleet group (retained on {@code model/offer}; schema
 * {@code schemas/offer.schema.json}): the bundle's signed manifest, so a device refuses an untrusted or unsuitable
 * model before downloading it, and the chunk plan (size, chunk size, SHA-256 of every chunk and of the whole).
 *
 * @param id unique per offer: a device acts on an offer once, however often the broker delivers it
 * @param time when it was issued; a device ignores offers older than the last one it acted on
 * @param manifest {@code manifest.json}'s exact bytes, base64
 * @param signature {@code manifest.sig}'s bytes, base64, or null for an unsigned bundle
 * @param force install even if the version is not newer than the serving one (a deliberate downgrade)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Offer(String format, String id, String time, String name, String version, String sha256, long size,
        int chunkSize, List<String> chunks, String manifest, String signature, boolean force) {

    public static final String FORMAT = "edgeinspect-offer/1";
    public static final int DEFAULT_CHUNK = 256 * 1024;
    public static final int MIN_CHUNK = 1024;
    public static final int MAX_CHUNK = 4 * 1024 * 1024;

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES);

    /** The offer for a bundle file's bytes, split into {@code chunkSize} chunks. */
    public static Offer of(byte[] bundle, int chunkSize, boolean force) throws BundleException {
        byte[][] signed = Bundle.signedManifest(bundle, "bundle", Long.MAX_VALUE);
        var manifest = com.edgeinspect.core.bundle.Manifest.parse(signed[0], "bundle");
        List<String> chunks = new ArrayList<>();
        for (int i = 0; i * (long) chunkSize < bundle.length; i++) {
            chunks.add(Bundle.sha256(Arrays.copyOfRange(bundle, i * chunkSize,
                    Math.min(bundle.length, (i + 1) * chunkSize))));
        }
        Offer o = new Offer(FORMAT, UUID.randomUUID().toString(), Instant.now().toString(), manifest.name(),
                manifest.version(), Bundle.sha256(bundle), bundle.length, chunkSize, chunks,
                Base64.getEncoder().encodeToString(signed[0]),
                signed[1] == null ? null : Base64.getEncoder().encodeToString(signed[1]), force);
        o.check("bundle");
        return o;
    }

    /** Parses and checks an offer; {@code where} names its origin (the topic) in errors. */
    public static Offer parse(byte[] json, String where) throws BundleException {
        Offer o;
        try {
            o = JSON.readValue(json, Offer.class);
        } catch (IOException e) {
            throw new BundleException(where + ": not a valid offer: " + (e instanceof
                    com.fasterxml.jackson.core.JsonProcessingException j ? j.getOriginalMessage() : e.getMessage()));
        }
        if (o == null) {
            throw new BundleException(where + ": empty offer");
        }
        o.check(where);
        return o;
    }

    private void check(String where) throws BundleException {
        require(FORMAT.equals(format), where, "format must be " + FORMAT);
        require(id != null && id.matches("[A-Za-z0-9-]{1,64}"), where, "id must be 1-64 of A-Z a-z 0-9 -");
        try {
            Instant.parse(String.valueOf(time));
        } catch (RuntimeException e) {
            throw new BundleException(where + ": offer time '" + time + "' is not an ISO-8601 instant");
        }
        require(sha256 != null && sha256.matches("[0-9a-f]{64}"), where, "sha256 must be a lowercase hex SHA-256");
        require(chunkSize >= MIN_CHUNK && chunkSize <= MAX_CHUNK, where,
                "chunkSize must be in [" + MIN_CHUNK + ", " + MAX_CHUNK + "]");
        require(size > 0 && chunks != null && chunks.size() == (size + chunkSize - 1) / chunkSize, where,
                "chunks must list one SHA-256 per " + chunkSize + " bytes of the " + size + "-byte bundle");
        require(chunks.stream().allMatch(c -> c != null && c.matches("[0-9a-f]{64}")), where,
                "every chunk hash must be a lowercase hex SHA-256");
        require(manifest != null, where, "manifest is required");
        require(name != null && version != null, where, "name and version are required");
    }

    private static void require(boolean ok, String where, String message) throws BundleException {
        if (!ok) {
            throw new BundleException(where + ": offer " + message);
        }
    }

    public Instant issued() {
        return Instant.parse(time);
    }

    public byte[] manifestBytes() throws BundleException {
        return decode(manifest, "manifest");
    }

    public byte[] signatureBytes() throws BundleException {
        return signature == null ? null : decode(signature, "signature");
    }

    private static byte[] decode(String b64, String what) throws BundleException {
        try {
            return Base64.getDecoder().decode(b64);
        } catch (IllegalArgumentException e) {
            throw new BundleException("offer " + what + " is not base64: " + e.getMessage());
        }
    }

    /** Chunk {@code index} of the bundle this offer describes. */
    public byte[] chunk(byte[] bundle, int index) {
        return Arrays.copyOfRange(bundle, index * chunkSize, (int) Math.min(size, (long) (index + 1) * chunkSize));
    }

    public byte[] toJson() {
        try {
            return JSON.writeValueAsBytes(this);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
