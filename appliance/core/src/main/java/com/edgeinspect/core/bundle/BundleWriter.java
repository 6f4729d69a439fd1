package com.edgeinspect.core.bundle;

import com.edgeinspect.core.io.AtomicFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Writes a signed bundle: hashes every file into the manifest, signs the manifest's exact bytes and writes the zip
 * atomically (temp file, fsync, rename), so a reader never sees half a bundle. Entries carry a fixed timestamp: the
 * same content gives the same bytes.
 */
public final class BundleWriter {

    private BundleWriter() {}

    /**
     * @param manifest everything but {@code files}, which is filled in here
     * @param files bundle path to content, including the model and golden data
     * @param key the signing key pair, or null for an unsigned (development) bundle
     * @return the manifest as written
     */
    public static Manifest write(Path out, Manifest manifest, Map<String, byte[]> files, KeyPair key) throws IOException {
        Map<String, String> hashes = new TreeMap<>();
        files.forEach((name, content) -> hashes.put(name, Bundle.sha256(content)));
        Manifest m = manifest.withFiles(hashes);
        byte[] json = m.toJson();
        Manifest.parse(json, out.toString());
        AtomicFiles.write(out, stream -> {
            // Finished, not closed: AtomicFiles still has to fsync the stream it owns.
            ZipOutputStream zip = new ZipOutputStream(stream);
            entry(zip, Manifest.FILE, json);
            if (key != null) {
                entry(zip, Manifest.SIGNATURE, Bundle.signature(json, key.getPrivate(), key.getPublic()));
            }
            for (Map.Entry<String, byte[]> f : new TreeMap<>(files).entrySet()) {
                entry(zip, f.getKey(), f.getValue());
            }
            zip.finish();
        });
        return m;
    }

    /**
     * A verified bundle's model and golden data under another version, signed with {@code key}: promoting a
     * staging model to the production key, or rehearsing a rollout with a known-good model.
     */
    public static Manifest rewrite(Path out, Bundle source, String version, KeyPair key) throws IOException {
        Manifest m = source.manifest();
        return write(out, new Manifest(m.format(), m.name(), version, m.created(), m.model(), m.classes(),
                m.thresholds(), null, m.golden(), m.metrics(), m.provenance()), source.files(), key);
    }

    private static void entry(ZipOutputStream zip, String name, byte[] content) throws IOException {
        ZipEntry e = new ZipEntry(name);
        e.setTime(0);
        zip.putNextEntry(e);
        zip.write(content);
        zip.closeEntry();
    }
}
