package com.edgeinspect.appliance.model;

import com.edgeinspect.core.bundle.Bundle;
import com.edgeinspect.core.bundle.BundleWriter;
import com.edgeinspect.core.bundle.Keys;
import com.edgeinspect.core.bundle.Manifest;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/** Bundles for tests: the factory bundle's model under other versions, signed with a test key. */
public final class TestBundles {

    public static final Path REPO = Path.of("../..");
    public static final Path FACTORY = REPO.resolve("models/default.vimodel");
    public static final Path DEMO_KEY = REPO.resolve("models/demo-signing.pub");
    /** The factory bundle's version: what a box serves until a model is shipped to it. */
    public static final String FACTORY_VERSION = factoryVersion();

    private TestBundles() {}

    private static String factoryVersion() {
        try {
            return Bundle.read(FACTORY, new Bundle.Trust(List.of(Keys.readPublic(DEMO_KEY)), false, 64 << 20))
                    .manifest().version();
        } catch (Exception e) {
            throw new IllegalStateException("cannot read " + FACTORY + ": " + e.getMessage(), e);
        }
    }

    /** The factory bundle's files as version {@code version}, signed with {@code key}. */
    public static byte[] factoryAs(String version, KeyPair key) throws Exception {
        return factoryWith(version, key, m -> m, files -> { });
    }

    /**
     * The factory bundle as {@code version}, its manifest and files edited before signing with {@code key} (hashes
     * are recomputed: the result is a correctly signed bundle of whatever the edits made).
     */
    public static byte[] factoryWith(String version, KeyPair key, UnaryOperator<Manifest> manifest,
            Consumer<Map<String, byte[]>> files) throws Exception {
        Bundle b = Bundle.read(FACTORY, new Bundle.Trust(List.of(Keys.readPublic(DEMO_KEY)), false, 64 << 20));
        Map<String, byte[]> content = new LinkedHashMap<>(b.files());
        files.accept(content);
        Manifest m = b.manifest();
        m = manifest.apply(new Manifest(m.format(), m.name(), version, m.created(), m.model(), m.classes(),
                m.thresholds(), null, m.golden(), m.metrics(), m.provenance()));
        Path out = Files.createTempFile("bundle", ".vimodel");
        try {
            BundleWriter.write(out, m, content, key);
            return Files.readAllBytes(out);
        } finally {
            Files.delete(out);
        }
    }

    /** Every entry of a zip, in order. */
    public static Map<String, byte[]> entries(byte[] zip) throws Exception {
        Map<String, byte[]> out = new LinkedHashMap<>();
        try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(zip))) {
            for (ZipEntry e; (e = in.getNextEntry()) != null; ) {
                out.put(e.getName(), in.readAllBytes());
            }
        }
        return out;
    }

    /** A zip of exactly these entries: for bundles edited after signing. */
    public static byte[] zip(Map<String, byte[]> entries) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream out = new ZipOutputStream(bytes)) {
            for (Map.Entry<String, byte[]> e : entries.entrySet()) {
                out.putNextEntry(new ZipEntry(e.getKey()));
                out.write(e.getValue());
                out.closeEntry();
            }
        }
        return bytes.toByteArray();
    }

    /** Little-endian float32 values as bundle file bytes. */
    public static byte[] floats(float[] values) {
        return Bundle.bytes(values);
    }

    /** Little-endian float32 bundle file bytes as values. */
    public static float[] floats(byte[] bytes) {
        float[] out = new float[bytes.length / 4];
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
        return out;
    }
}
