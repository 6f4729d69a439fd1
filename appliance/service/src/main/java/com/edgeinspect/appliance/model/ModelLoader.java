package com.edgeinspect.appliance.model;

import ai.onnxruntime.OrtException;
import com.edgeinspect.appliance.config.ApplianceConfig;
import com.edgeinspect.core.bundle.Bundle;
import com.edgeinspect.core.bundle.BundleException;
import com.edgeinspect.core.bundle.Keys;
import com.edgeinspect.core.bundle.Manifest;
import com.edgeinspect.core.bundle.ModelContract;
import com.edgeinspect.core.bundle.SmokeTest;
import com.edgeinspect.core.detect.CenterNetDecoder;
import com.edgeinspect.core.detect.OrtDetector;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns a bundle file into a model that may serve: verify (trusted signature, hashes, manifest), open an ONNX Runtime
 * session on the configured providers, check the graph against the manifest, then prove it with the bundle's golden
 * cases within the configured time. Anything short of that is a {@link BundleException} naming the bundle and the
 * reason; nothing half-loaded escapes.
 */
public final class ModelLoader {

    private static final Logger LOG = LoggerFactory.getLogger(ModelLoader.class);

    private final ApplianceConfig.Model config;
    private final Bundle.Trust trust;

    public ModelLoader(ApplianceConfig.Model config) throws BundleException {
        this.config = config;
        List<PublicKey> keys = new ArrayList<>();
        for (String k : config.trustedKeys()) {
            keys.add(Keys.readPublic(Path.of(k)));
        }
        this.trust = new Bundle.Trust(keys, config.allowUnsigned(), config.maxBundleMb() * 1024L * 1024L);
    }

    public LoadedModel load(Path file) throws BundleException {
        if (!Files.isRegularFile(file)) {
            throw new BundleException(file.toAbsolutePath() + ": no such bundle");
        }
        return load(Bundle.read(file, trust));
    }

    /** Verifies a bundle's bytes without loading the model; {@code where} names them in errors. */
    public Bundle verify(byte[] bundle, String where) throws BundleException {
        return Bundle.read(bundle, where, trust);
    }

    /** Checks an offered manifest and its signature before any of the bundle is downloaded. */
    public Manifest verifyOffer(byte[] manifest, byte[] signature, String where) throws BundleException {
        return Bundle.verifyManifest(manifest, signature, where, trust);
    }

    public long maxBundleBytes() {
        return trust.maxBytes();
    }

    public LoadedModel load(Bundle bundle) throws BundleException {
        OrtDetector detector;
        try {
            // The early-exit form when the bundle has one and this box runs it.
            detector = new OrtDetector(bundle.model(), config.earlyExit() ? bundle.stages() : null,
                    bundle.manifest().classes().size(), providers(), config.threads(), tensorrt(bundle),
                    new CenterNetDecoder(
                            (float) bundle.manifest().thresholds().detection(), 100));
        } catch (OrtException | RuntimeException e) {
            throw new BundleException(bundle + ": ONNX Runtime cannot load the model: " + e.getMessage(), e);
        }
        try {
            ModelContract.check(bundle, detector.inputs(), detector.outputs(),
                    detector.provider() == OrtDetector.Provider.TENSORRT);
            double ms = SmokeTest.run(bundle, detector);
            if (ms > config.smokeMaxMs()) {
                throw new BundleException(String.format(Locale.ROOT, "%s: a golden case took %.0f ms on %s, over the "
                        + "bound of %d ms", bundle, ms, detector.provider(), config.smokeMaxMs()));
            }
            LOG.info("model {} ({}) passed its smoke test on {} in {} ms", bundle, bundle.signer() == null
                    ? "unsigned" : "signed by " + bundle.signer(), detector.provider(), Math.round(ms));
            return new LoadedModel(bundle, detector);
        } catch (BundleException | OrtException | RuntimeException e) {
            try {
                detector.close();
            } catch (OrtException ignored) {
                // the smoke test's failure is the news
            }
            throw e instanceof BundleException b ? b : new BundleException(bundle + ": " + e.getMessage(), e);
        }
    }

    /**
     * Runs the model once per input shape the streams will feed it (e.g. {@code [1, 3, 1088, 1920]}), so that the
     * first live frame does not pay for allocations or, on TensorRT, an engine build for a new shape.
     */
    public void warm(LoadedModel m, List<long[]> shapes) throws BundleException {
        for (long[] shape : shapes) {
            long n = 1;
            for (long d : shape) {
                n *= d;
            }
            try {
                m.detector().raw(new float[(int) n], shape);
            } catch (OrtException | RuntimeException e) {
                throw new BundleException(m.bundle() + ": warm-up at " + java.util.Arrays.toString(shape)
                        + " failed: " + e.getMessage(), e);
            }
        }
    }

    private List<OrtDetector.Provider> providers() {
        return config.providers().stream().map(p -> OrtDetector.Provider.valueOf(p.toUpperCase(Locale.ROOT))).toList();
    }

    /**
     * TensorRT follows the bundle's precision: an int8 (QDQ) graph runs in int8 from its own scales, with no
     * calibration table; a float graph in fp16 when the config allows. Engines are cached per bundle hash, ONNX Runtime
     * version and platform (the L4T release fixes the TensorRT version; the board model the GPU): an engine built for
     * anything else is never loaded.
     */
    private Map<String, String> tensorrt(Bundle bundle) {
        boolean int8 = "int8".equals(bundle.manifest().model().precision());
        Map<String, String> o = new LinkedHashMap<>();
        o.put("trt_int8_enable", int8 ? "1" : "0");
        o.put("trt_fp16_enable", config.fp16() ? "1" : "0"); // int8 engines fall back to fp16 for unquantised layers
        o.put("trt_engine_cache_enable", "1");
        o.put("trt_engine_cache_path", Path.of(config.engineCache(), bundle.sha256().substring(0, 16),
                "ort-" + ai.onnxruntime.OrtEnvironment.getEnvironment().getVersion(), Platform.tag()).toString());
        o.put("trt_max_workspace_size", Long.toString(config.workspaceMb() * 1024L * 1024L));
        return o;
    }
}
