package com.edgeinspect.core.bundle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.edgeinspect.core.detect.CenterNetDecoder;
import com.edgeinspect.core.detect.OrtDetector;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bundle format against the committed default bundle and against every way a bundle can be wrong: each bad
 * bundle is refused with a message that names the bundle and the fault.
 */
class BundleTest {

    static final Path DEFAULT = Path.of("../../models/default.vimodel");
    static final Path DEFAULT_INT8_CPU = Path.of("../../models/default-int8-cpu.vimodel");
    static final Path DEMO_KEY = Path.of("../../models/demo-signing.pub");
    static final long LIMIT = 64L << 20;

    static KeyPair signer;
    static Bundle shipped;

    @TempDir
    Path tmp;

    @BeforeAll
    static void setUp() throws Exception {
        signer = Keys.generate();
        shipped = Bundle.read(DEFAULT, new Bundle.Trust(List.of(Keys.readPublic(DEMO_KEY)), false, LIMIT));
    }

    Bundle.Trust trustSigner() {
        return new Bundle.Trust(List.of(signer.getPublic()), false, LIMIT);
    }

    /** The shipped bundle's files and manifest, re-signed with the test key after {@code edit}. */
    Path resigned(String name, java.util.function.Consumer<Map<String, byte[]>> edit) throws Exception {
        Map<String, byte[]> files = new LinkedHashMap<>();
        for (String f : shipped.manifest().files().keySet()) {
            files.put(f, readEntry(Files.readAllBytes(DEFAULT), f));
        }
        edit.accept(files);
        Path out = tmp.resolve(name + ".vimodel");
        BundleWriter.write(out, shipped.manifest(), files, signer);
        return out;
    }

    @Test
    void theShippedBundleVerifiesAndPassesItsSmokeTest() throws Exception {
        Manifest m = shipped.manifest();
        assertThat(shipped.signer()).isEqualTo(Keys.id(Keys.readPublic(DEMO_KEY)));
        assertThat(m.classes()).containsExactly("scratch", "crack", "pit", "stain", "chip");
        assertThat(m.golden()).hasSize(2);
        try (OrtDetector d = new OrtDetector(shipped.model(), m.classes().size(), List.of(OrtDetector.Provider.CPU), 2,
                new CenterNetDecoder(0.3f, 10))) {
            assertThat(SmokeTest.run(shipped, d)).isPositive();
        }
    }

    /** The demo's bundle: the same student in int8 for ONNX Runtime's CPU kernels, kept off TensorRT. */
    @Test
    void theCpuInt8BundleRunsHereAndIsRefusedForTensorRt() throws Exception {
        Bundle cpu = Bundle.read(DEFAULT_INT8_CPU, new Bundle.Trust(List.of(Keys.readPublic(DEMO_KEY)), false, LIMIT));
        assertThat(cpu.manifest().model().precision()).isEqualTo("int8");
        assertThat(cpu.manifest().classes()).isEqualTo(shipped.manifest().classes());
        try (OrtDetector d = new OrtDetector(cpu.model(), cpu.manifest().classes().size(),
                List.of(OrtDetector.Provider.CPU), 2, new CenterNetDecoder(0.3f, 10))) {
            ModelContract.check(cpu, d.inputs(), d.outputs(), false);
            assertThat(SmokeTest.run(cpu, d)).isPositive();
            assertThatThrownBy(() -> ModelContract.check(cpu, d.inputs(), d.outputs(), true))
                    .isInstanceOf(BundleException.class).hasMessageContaining("uint8")
                    .hasMessageContaining("TensorRT");
        }
        assertThat(ModelContract.unsignedQuantisation(shipped.model(), "default")).isFalse();
    }

    @Test
    void writingIsDeterministicAndRoundTrips() throws Exception {
        Path a = resigned("a", f -> { });
        Path b = resigned("b", f -> { });
        assertThat(Files.readAllBytes(a)).isEqualTo(Files.readAllBytes(b));
        Bundle back = Bundle.read(a, trustSigner());
        assertThat(back.model()).isEqualTo(shipped.model());
        assertThat(back.signer()).isEqualTo(Keys.id(signer.getPublic()));
    }

    @Test
    void keysRoundTripThroughPemFiles() throws Exception {
        Keys.writePrivate(signer.getPrivate(), tmp.resolve("k.key"));
        Keys.writePublic(signer.getPublic(), tmp.resolve("k.pub"));
        KeyPair back = Keys.readPair(tmp.resolve("k.key"));
        assertThat(Keys.id(back.getPublic())).isEqualTo(Keys.id(signer.getPublic()));
        assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(tmp.resolve("k.key"))))
                .isEqualTo("rw-------");
        Files.writeString(tmp.resolve("bad.pub"), "-----BEGIN PUBLIC KEY-----\nnot base64!\n-----END PUBLIC KEY-----\n");
        assertThatThrownBy(() -> Keys.readPublic(tmp.resolve("bad.pub"))).hasMessageContaining("bad.pub");
    }

    @Test
    void untrustedOrForgedSignaturesAreRefused() throws Exception {
        Path good = resigned("good", f -> { });
        assertThatThrownBy(() -> Bundle.read(good, new Bundle.Trust(List.of(Keys.readPublic(DEMO_KEY)), false, LIMIT)))
                .hasMessageContaining("good.vimodel").hasMessageContaining("not trusted");
        // A different key that claims the trusted key's id.
        byte[] zip = Files.readAllBytes(good);
        byte[] manifest = readEntry(zip, "manifest.json");
        KeyPair other = Keys.generate();
        byte[] forged = Bundle.signature(manifest, other.getPrivate(), signer.getPublic());
        assertThatThrownBy(() -> Bundle.read(replace(zip, "manifest.sig", forged), "forged", trustSigner()))
                .hasMessage("forged: signature does not verify with trusted key " + Keys.id(signer.getPublic()));
        byte[] unsigned = remove(zip, "manifest.sig");
        assertThatThrownBy(() -> Bundle.read(unsigned, "unsigned", trustSigner())).hasMessageContaining("unsigned");
        assertThat(Bundle.read(unsigned, "dev", new Bundle.Trust(List.of(), true, LIMIT)).signer()).isNull();
    }

    @Test
    void tamperingIsCaught() throws Exception {
        byte[] zip = Files.readAllBytes(resigned("t", f -> { }));
        byte[] model = readEntry(zip, "model.onnx");
        model[model.length / 2] ^= 1;
        assertThatThrownBy(() -> Bundle.read(replace(zip, "model.onnx", model), "bits", trustSigner()))
                .hasMessage("bits: model.onnx does not match its SHA-256 in the manifest");
        byte[] manifest = new String(readEntry(zip, "manifest.json"))
                .replaceFirst("\"alert\" : [0-9.]+", "\"alert\" : 0.99").getBytes();
        assertThatThrownBy(() -> Bundle.read(replace(zip, "manifest.json", manifest), "thresholds", trustSigner()))
                .hasMessageContaining("signature does not verify");
    }

    @Test
    void anEarlyExitMustNameListedGraphsAndAThresholdInsideZeroOne() throws Exception {
        String listed = shipped.manifest().model().file();
        assertThatThrownBy(() -> Manifest.parse(withExit(new Manifest.EarlyExit(listed, "nowhere.onnx", 0.5)), "m"))
                .hasMessage("m: manifest model.earlyExit: must name two listed graphs");
        assertThatThrownBy(() -> Manifest.parse(withExit(new Manifest.EarlyExit(listed, listed, 1.0)), "m"))
                .hasMessage("m: manifest model.earlyExit.threshold: must be in (0, 1), got 1.0");
        assertThat(Manifest.parse(withExit(new Manifest.EarlyExit(listed, listed, 0.25)), "m").model().earlyExit()
                .threshold()).isEqualTo(0.25);
        assertThat(Manifest.parse(withExit(null), "m").model().earlyExit()).isNull();
        assertThat(new String(withExit(null), java.nio.charset.StandardCharsets.UTF_8)).doesNotContain("earlyExit");
    }

    /** The shipped manifest's JSON with another early exit (or none). */
    private static byte[] withExit(Manifest.EarlyExit exit) {
        Manifest m = shipped.manifest();
        Manifest.Model d = m.model();
        return new Manifest(m.format(), m.name(), m.version(), m.created(), new Manifest.Model(d.file(), d.input(),
                d.mean(), d.std(), d.align(), d.stride(), d.outputs(), d.opset(), d.precision(), exit), m.classes(),
                m.thresholds(), m.files(), m.golden(), m.metrics(), m.provenance()).toJson();
    }

    @Test
    void structuralFaultsAreRefused() throws Exception {
        byte[] zip = Files.readAllBytes(resigned("s", f -> { }));
        assertThatThrownBy(() -> Bundle.read(add(zip, "../../etc/cron.d/x", new byte[1]), "slip", trustSigner()))
                .hasMessage("slip: entry '../../etc/cron.d/x' is not a plain relative path");
        assertThatThrownBy(() -> Bundle.read(add(zip, "extra.bin", new byte[1]), "extra", trustSigner()))
                .hasMessage("extra: extra.bin is not listed in the manifest");
        assertThatThrownBy(() -> Bundle.read(remove(zip, "golden/noise-input.bin"), "missing", trustSigner()))
                .hasMessage("missing: golden/noise-input.bin is listed in the manifest but missing");
        assertThatThrownBy(() -> Bundle.read(zip, "big", new Bundle.Trust(List.of(signer.getPublic()), false, 1000)))
                .hasMessageStartingWith("big: " + zip.length + " bytes, more than the limit");
        assertThatThrownBy(() -> Bundle.read(java.util.Arrays.copyOf(zip, zip.length / 2), "cut", trustSigner()))
                .hasMessageStartingWith("cut: ");
        assertThatThrownBy(() -> Bundle.read("{\"json\": true}".getBytes(), "garbage", trustSigner()))
                .hasMessageStartingWith("garbage: not a bundle");
    }

    @Test
    void aBombStopsAtTheLimit() throws Exception {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (ZipOutputStream z = new ZipOutputStream(b)) {
            z.putNextEntry(new ZipEntry("model.onnx"));
            z.write(new byte[8 << 20]);
            z.closeEntry();
        }
        assertThat(b.size()).isLessThan(100_000);
        assertThatThrownBy(() -> Bundle.read(b.toByteArray(), "bomb", new Bundle.Trust(List.of(), true, 1 << 20)))
                .hasMessage("bomb: model.onnx inflates past the bundle size limit");
    }

    @Test
    void aModelThatComputesSomethingElseFailsTheSmokeTest() throws Exception {
        Path wrong = resigned("wrong", f -> {
            byte[] heat = f.get("golden/noise-heatmap.bin");
            heat[3] ^= 0x40; // the exponent of the first expected value: far off
        });
        Bundle b = Bundle.read(wrong, trustSigner());
        try (OrtDetector d = new OrtDetector(b.model(), 5, List.of(OrtDetector.Provider.CPU), 1,
                new CenterNetDecoder(0.3f, 10))) {
            assertThatThrownBy(() -> SmokeTest.run(b, d))
                    .hasMessageContaining("golden[").hasMessageContaining("output heatmap differs");
        }
    }

    static byte[] readEntry(byte[] zip, String name) throws Exception {
        try (ZipInputStream in = new ZipInputStream(new java.io.ByteArrayInputStream(zip))) {
            for (ZipEntry e; (e = in.getNextEntry()) != null; ) {
                if (e.getName().equals(name)) {
                    return in.readAllBytes();
                }
            }
        }
        throw new AssertionError("no entry " + name);
    }

    static byte[] rewrite(byte[] zip, String drop, String addName, byte[] addContent) throws Exception {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (ZipInputStream in = new ZipInputStream(new java.io.ByteArrayInputStream(zip));
                ZipOutputStream out = new ZipOutputStream(b)) {
            for (ZipEntry e; (e = in.getNextEntry()) != null; ) {
                byte[] content = in.readAllBytes();
                if (e.getName().equals(drop)) {
                    continue;
                }
                out.putNextEntry(new ZipEntry(e.getName()));
                out.write(content);
                out.closeEntry();
            }
            if (addName != null) {
                out.putNextEntry(new ZipEntry(addName));
                out.write(addContent);
                out.closeEntry();
            }
        }
        return b.toByteArray();
    }

    static byte[] replace(byte[] zip, String name, byte[] content) throws Exception {
        return rewrite(zip, name, name, content);
    }

    static byte[] add(byte[] zip, String name, byte[] content) throws Exception {
        return rewrite(zip, null, name, content);
    }

    static byte[] remove(byte[] zip, String name) throws Exception {
        return rewrite(zip, name, null, null);
    }
}
