package com.edgeinspect.appliance.model;

import com.edgeinspect.core.bundle.Bundle;
import com.edgeinspect.core.bundle.BundleWriter;
import com.edgeinspect.core.bundle.Keys;
import com.edgeinspect.core.bundle.Manifest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/** Bundles for tests: the factory bundle's model under other versions, signed with a test key. */
public final class TestBundles {

    public static final Path REPO = Path.of("../..");
    public static final Path FACTORY = REPO.resolve("models/default.vimodel");
    public static final Path DEMO_KEY = REPO.resolve("models/demo-signing.pub");

    private TestBundles() {}

    /** The factory bundle's files as version {@code version}, signed with {@code key}. */
    public static byte[] factoryAs(String version, KeyPair key) throws Exception {
        Bundle b = Bundle.read(FACTORY, new Bundle.Trust(List.of(Keys.readPublic(DEMO_KEY)), false, 64 << 20));
        Map<String, byte[]> files = new LinkedHashMap<>();
        try (ZipInputStream in = new ZipInputStream(Files.newInputStream(FACTORY))) {
            for (ZipEntry e; (e = in.getNextEntry()) != null; ) {
                if (b.manifest().files().containsKey(e.getName())) {
                    files.put(e.getName(), in.readAllBytes());
                }
            }
        }
        Manifest m = b.manifest();
        Path out = Files.createTempFile("bundle", ".vimodel");
        try {
            BundleWriter.write(out, new Manifest(m.format(), m.name(), version, m.created(), m.model(), m.classes(),
                    m.thresholds(), null, m.golden(), m.metrics(), m.provenance()), files, key);
            return Files.readAllBytes(out);
        } finally {
            Files.delete(out);
        }
    }
}
