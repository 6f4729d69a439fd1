package com.edgeinspect.appliance;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.edgeinspect.appliance.config.ApplianceConfig;
import com.edgeinspect.core.bundle.BundleException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The appliance refuses to start on a bundle it cannot trust and says which file and why. */
class BadStartTest {

    @TempDir
    Path tmp;

    ApplianceConfig config(Path bundle) throws Exception {
        String yaml = Harness.config("clean-line", Mosquitto.freePort(), tmp.resolve("state"))
                .replace(Harness.REPO.resolve("models/default.vimodel").toString(), bundle.toString());
        return Harness.load(yaml, "t");
    }

    @Test
    void aTamperedOrMissingBundleStopsTheStartWithItsName() throws Exception {
        byte[] b = Files.readAllBytes(Harness.REPO.resolve("models/default.vimodel"));
        b[b.length / 2] ^= 1;
        Path tampered = tmp.resolve("tampered.vimodel");
        Files.write(tampered, b);
        assertThatThrownBy(() -> Appliance.start(config(tampered))).isInstanceOf(BundleException.class)
                .hasMessageContaining("tampered.vimodel");
        assertThatThrownBy(() -> Appliance.start(config(tmp.resolve("none.vimodel"))))
                .hasMessage("no usable model: no bundle at " + tmp.resolve("none.vimodel"));
    }

    @Test
    void usageAndMissingFilesAreOneLineErrors() {
        assertThatThrownBy(() -> Main.config(new String[] {"--config", tmp.resolve("nope.yaml").toString()}))
                .hasMessageContaining("no configuration file").hasMessageContaining("nope.yaml");
        assertThatThrownBy(() -> Main.config(new String[] {"--frobnicate"})).hasMessageStartingWith("usage:");
    }
}
