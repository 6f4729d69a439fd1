package com.edgeinspect.core.bundle;

import com.edgeinspect.core.detect.OrtDetector;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/**
 * A verified model bundle in memory. {@link #read} trusts nothing: entry names must be plain relative paths (no
 * traversal, no duplicates, nothing unlisted), sizes are bounded while inflating (a zip bomb stops at the limit),
 * {@code manifest.sig} must verify over {@code manifest.json} with one of the trusted keys, and every file must match
 * its SHA-256 in the manifest. Only then is a {@code Bundle} returned.
 */
public final class Bundle {

    /** Where a bundle may come from. */
    public record Trust(List<PublicKey> keys, boolean allowUnsigned, long maxBytes) {
        public Trust {
            keys = List.copyOf(keys);
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Manifest manifest;
    private final Map<String, byte[]> files;
    private final String signer;
    private final String sha256;

    private Bundle(Manifest manifest, Map<String, byte[]> files, String signer, String sha256) {
        this.manifest = manifest;
        this.files = files;
        this.signer = signer;
        this.sha256 = sha256;
    }

    public static Bundle read(Path file, Trust trust) throws BundleException {
        long size;
        try {
            size = Files.size(file);
        } catch (IOException e) {
            throw new BundleException(file + ": cannot read: " + e.getMessage(), e);
        }
        if (size > trust.maxBytes()) {
            throw new BundleException(file + ": " + size + " bytes, more than the limit of " + trust.maxBytes());
        }
        try {
            return read(Files.readAllBytes(file), file.toString(), trust);
        } catch (IOException e) {
            throw e instanceof BundleException b ? b : new BundleException(file + ": cannot read: " + e.getMessage(), e);
        }
    }

    /** Verifies a bundle's bytes; {@code where} names them in errors. */
    public static Bundle read(byte[] zip, String where, Trust trust) throws BundleException {
        if (zip.length > trust.maxBytes()) {
            throw new BundleException(where + ": " + zip.length + " bytes, more than the limit of " + trust.maxBytes());
        }
        Map<String, byte[]> entries = unzip(zip, where, trust.maxBytes());
        byte[] manifestBytes = entries.remove(Manifest.FILE);
        if (manifestBytes == null) {
            throw new BundleException(where + ": no " + Manifest.FILE);
        }
        byte[] sig = entries.remove(Manifest.SIGNATURE);
        String signer = checkSignature(sig, manifestBytes, where, trust);
        Manifest m = Manifest.parse(manifestBytes, where);
        for (String name : entries.keySet()) {
            if (!m.files().containsKey(name)) {
                throw new BundleException(where + ": " + name + " is not listed in the manifest");
            }
        }
        for (Map.Entry<String, String> f : m.files().entrySet()) {
            byte[] content = entries.get(f.getKey());
            if (content == null) {
                throw new BundleException(where + ": " + f.getKey() + " is listed in the manifest but missing");
            }
            if (!sha256(content).equals(f.getValue())) {
                throw new BundleException(where + ": " + f.getKey() + " does not match its SHA-256 in the manifest");
            }
        }
        return new Bundle(m, Map.copyOf(entries), signer, sha256(zip));
    }

    /**
     * Checks a manifest and its signature alone, before the bundle they describe has arrived: a device refuses an
     * untrusted or malformed offer without downloading it. {@code signature} is {@code manifest.sig}'s content or null.
     */
    public static Manifest verifyManifest(byte[] manifest, byte[] signature, String where, Trust trust)
            throws BundleException {
        checkSignature(signature, manifest, where, trust);
        return Manifest.parse(manifest, where);
    }

    /** {@code manifest.json} and {@code manifest.sig} (null if unsigned) of a bundle file, unverified. */
    public static byte[][] signedManifest(byte[] zip, String where, long maxBytes) throws BundleException {
        Map<String, byte[]> entries = unzip(zip, where, maxBytes);
        byte[] manifest = entries.get(Manifest.FILE);
        if (manifest == null) {
            throw new BundleException(where + ": no " + Manifest.FILE);
        }
        return new byte[][] {manifest, entries.get(Manifest.SIGNATURE)};
    }

    private static String checkSignature(byte[] sig, byte[] manifest, String where, Trust trust) throws BundleException {
        if (sig == null) {
            if (trust.allowUnsigned()) {
                return null;
            }
            throw new BundleException(where + ": unsigned (no " + Manifest.SIGNATURE + ") and unsigned bundles are not allowed");
        }
        String keyId;
        byte[] signature;
        try {
            JsonNode n = JSON.readTree(sig);
            keyId = n.path("key").asText();
            signature = Base64.getDecoder().decode(n.path("signature").asText());
        } catch (IOException | IllegalArgumentException e) {
            throw new BundleException(where + ": " + Manifest.SIGNATURE + " is malformed: " + e.getMessage());
        }
        for (PublicKey k : trust.keys()) {
            if (Keys.id(k).equals(keyId)) {
                if (Keys.verify(k, manifest, signature)) {
                    return keyId;
                }
                throw new BundleException(where + ": signature does not verify with trusted key " + keyId);
            }
        }
        throw new BundleException(where + ": signed by key " + keyId + ", which is not trusted");
    }

    private static Map<String, byte[]> unzip(byte[] zip, String where, long maxBytes) throws BundleException {
        Map<String, byte[]> out = new LinkedHashMap<>();
        long total = 0;
        try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(zip))) {
            ZipEntry e;
            while ((e = in.getNextEntry()) != null) {
                String name = e.getName();
                if (e.isDirectory()) {
                    continue;
                }
                if (!safeName(name)) {
                    throw new BundleException(where + ": entry '" + name + "' is not a plain relative path");
                }
                byte[] content = readBounded(in, maxBytes - total, where, name);
                total += content.length;
                if (out.put(name, content) != null) {
                    throw new BundleException(where + ": entry '" + name + "' appears twice");
                }
            }
        } catch (BundleException e) {
            throw e;
        } catch (IOException | IllegalArgumentException e) {
            throw new BundleException(where + ": not a valid zip: " + e.getMessage(), e);
        }
        if (out.isEmpty()) {
            throw new BundleException(where + ": not a bundle (empty or not a zip)");
        }
        return out;
    }

    private static boolean safeName(String name) {
        if (name.isEmpty() || name.length() > 200 || name.startsWith("/") || name.contains("\\")
                || name.contains("//") || name.chars().anyMatch(c -> c < 0x20 || c == ':')) {
            return false;
        }
        for (String part : name.split("/")) {
            if (part.equals("..") || part.equals(".")) {
                return false;
            }
        }
        return true;
    }

    private static byte[] readBounded(InputStream in, long budget, String where, String name) throws IOException {
        byte[] buf = new byte[64 * 1024];
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        int n;
        while ((n = in.read(buf)) > 0) {
            if (out.size() + (long) n > budget) {
                throw new BundleException(where + ": " + name + " inflates past the bundle size limit");
            }
            out.write(buf, 0, n);
        }
        return out.toByteArray();
    }

    public static String sha256(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public Manifest manifest() {
        return manifest;
    }

    public byte[] model() {
        return files.get(manifest.model().file());
    }

    /** The model's early-exit form (its two graphs and the gate threshold), or null when it has none. */
    public OrtDetector.Stages stages() {
        Manifest.EarlyExit e = manifest.model().earlyExit();
        return e == null ? null
                : new OrtDetector.Stages(files.get(e.stageOne()), files.get(e.stageTwo()), (float) e.threshold());
    }

    /** Every file but the manifest and its signature, by bundle path. */
    public Map<String, byte[]> files() {
        return files;
    }

    /** The id of the key that signed it, or null for an unsigned bundle that was allowed. */
    public String signer() {
        return signer;
    }

    /** SHA-256 of the bundle file: the identity of exactly these bytes (e.g. for engine caches). */
    public String sha256() {
        return sha256;
    }

    /** A listed file as little-endian float32 values. */
    public float[] floats(String path) throws BundleException {
        byte[] b = files.get(path);
        if (b == null || b.length % 4 != 0) {
            throw new BundleException(manifest.name() + " " + manifest.version() + ": " + path
                    + " is missing or not float32 data");
        }
        float[] out = new float[b.length / 4];
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
        return out;
    }

    /** Float32 values as a bundle file's bytes. */
    public static byte[] bytes(float[] values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(values);
        return b.array();
    }

    /** The signature file's content for a manifest signed with this key. */
    static byte[] signature(byte[] manifest, java.security.PrivateKey key, PublicKey pub) {
        Map<String, String> m = new HashMap<>();
        m.put("key", Keys.id(pub));
        m.put("signature", Base64.getEncoder().encodeToString(Keys.sign(key, manifest)));
        try {
            return JSON.writeValueAsString(m).getBytes(StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public String toString() {
        return manifest.name() + " " + manifest.version();
    }
}
