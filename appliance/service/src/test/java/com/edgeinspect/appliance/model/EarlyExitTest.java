package com.edgeinspect.appliance.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.edgeinspect.appliance.config.ApplianceConfig;
import com.edgeinspect.appliance.source.FfmpegSource;
import com.edgeinspect.core.bundle.BundleException;
import com.edgeinspect.core.bundle.Keys;
import com.edgeinspect.core.bundle.Manifest;
import com.edgeinspect.core.decode.PictureConverter;
import com.edgeinspect.core.detect.CenterNetDecoder;
import com.edgeinspect.core.detect.Detection;
import com.edgeinspect.core.detect.OrtDetector;
import com.edgeinspect.core.detect.Region;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.Arrays;
import java.util.List;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bundled model's early-exit form on real frames: a frame the gate passes gets exactly the whole graph's
 * detections inside the gate's region, a blank frame exits at the gate, {@code early_exit: false} runs the whole graph, and a bundle whose
 * graphs do not fit together is refused at load.
 */
class EarlyExitTest {

    @TempDir
    Path tmp;

    static ModelLoader loader(boolean earlyExit, String... keys) throws Exception {
        List<String> trusted = new java.util.ArrayList<>(List.of(TestBundles.DEMO_KEY.toString()));
        trusted.addAll(List.of(keys));
        return new ModelLoader(new ApplianceConfig.Model(null, trusted, null, null, List.of("cpu"), 2, null, null,
                null, null, earlyExit));
    }

    @Test
    void passedFramesGetTheWholeGraphsDetectionsAndBlankFramesExit() throws Exception {
        try (LoadedModel gated = loader(true).load(TestBundles.FACTORY);
                LoadedModel whole = loader(false).load(TestBundles.FACTORY)) {
            assertThat(gated.bundle().manifest().model().earlyExit()).as("the bundled model has an early exit").isNotNull();
            assertThat(gated.detector().gateThreshold()).isBetween(0f, 1f);
            assertThat(whole.detector().gateThreshold()).isNaN();
            CenterNetDecoder decoder = new CenterNetDecoder(0.3f, 100);

            byte[] blank = new byte[1920 * 1080 * 3];
            Arrays.fill(blank, (byte) 128);
            OrtDetector.Found none = gated.detector().detect(blank, 1920, 0, 0, 1920, 1080, decoder);
            assertThat(none.exited()).as("a blank frame exits at the gate").isTrue();
            assertThat(none.detections()).isEmpty();
            assertThat(whole.detector().detect(blank, 1920, 0, 0, 1920, 1080, decoder).exited()).isFalse();
            assertThat(gated.detector().detect(blank, 1920, 0, 0, 1920, 1080, decoder, 1e-6f).exited())
                    .as("a gate threshold near zero passes every frame").isFalse();

            int passed = 0;
            int found = 0;
            double shares = 0;
            try (FFmpegFrameGrabber g = FfmpegSource.rawGrabber(
                    TestBundles.REPO.resolve("test-videos/mixed-defects.mp4").toString());
                    PictureConverter c = new PictureConverter()) {
                g.start();
                byte[] bgr = new byte[1920 * 1080 * 3];
                for (int i = 0; i < 60; i++) {
                    assertThat(FfmpegSource.next(g, c, bgr)).isTrue();
                    if (i % 10 != 0) {
                        continue;
                    }
                    OrtDetector.Found a = gated.detector().detect(bgr, 1920, 0, 0, 1920, 1080, decoder);
                    List<Detection> b = whole.detector().detect(bgr, 1920, 0, 0, 1920, 1080, decoder).detections();
                    if (!a.exited()) {
                        passed++;
                        shares += a.region().share();
                        Region r = a.region();
                        List<Detection> inside = b.stream().filter(d -> r.inside((d.box().x1() + d.box().x2()) / 2,
                                (d.box().y1() + d.box().y2()) / 2)).toList();
                        assertThat(a.detections()).hasSameSizeAs(inside);
                        for (int k = 0; k < inside.size(); k++) {
                            assertThat(a.detections().get(k).classId()).isEqualTo(inside.get(k).classId());
                            assertThat((double) a.detections().get(k).score())
                                    .isCloseTo(inside.get(k).score(), org.assertj.core.data.Offset.offset(1e-4));
                            assertThat(a.detections().get(k).box().iou(inside.get(k).box())).isGreaterThan(0.999);
                        }
                        found += inside.size();
                    }
                }
            }
            assertThat(passed).as("frames of a clip full of defects the gate passed").isPositive();
            assertThat(found).as("detections inside the gate's regions").isPositive();
            assertThat(shares / passed).as("mean share of the frame the heads ran on").isLessThan(1);
        }
    }

    @Test
    void graphsThatDoNotFitTogetherAreRefused() throws Exception {
        KeyPair key = Keys.generate();
        Path pub = tmp.resolve("k.pub");
        Keys.writePublic(key.getPublic(), pub);
        byte[] swapped = TestBundles.factoryWith("9.9.9", key, m -> {
            Manifest.Model d = m.model();
            Manifest.EarlyExit e = d.earlyExit();
            return new Manifest(m.format(), m.name(), m.version(), m.created(), new Manifest.Model(d.file(),
                    d.input(), d.mean(), d.std(), d.align(), d.stride(), d.outputs(), d.opset(), d.precision(),
                    new Manifest.EarlyExit(e.stageTwo(), e.stageOne(), e.threshold())), m.classes(), m.thresholds(),
                    m.files(), m.golden(), m.metrics(), m.provenance());
        }, files -> { });
        Path file = tmp.resolve("swapped.vimodel");
        Files.write(file, swapped);
        ModelLoader loader = loader(true, pub.toString());
        assertThatThrownBy(() -> loader.load(file)).isInstanceOf(BundleException.class)
                .hasMessageContaining("early exit");
        try (LoadedModel whole = loader(false, pub.toString()).load(file)) {
            assertThat(whole.version()).as("the whole graph still serves where early exit is off").isEqualTo("9.9.9");
        }
    }
}
