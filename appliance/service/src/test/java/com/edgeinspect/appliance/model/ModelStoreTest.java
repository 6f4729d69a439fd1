package com.edgeinspect.appliance.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.edgeinspect.appliance.config.ApplianceConfig;
import com.edgeinspect.core.bundle.Keys;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The installed-model store across the crashes that can hit an install: whatever is on disk, the appliance starts
 * with the newest bundle that verifies, else the one before, else the factory bundle.
 */
class ModelStoreTest {

    @TempDir
    Path tmp;

    ModelLoader loader;
    ModelStore store;
    byte[] v3;
    byte[] v4;

    @BeforeEach
    void setUp() throws Exception {
        KeyPair key = Keys.generate();
        Keys.writePublic(key.getPublic(), tmp.resolve("fleet.pub"));
        loader = new ModelLoader(new ApplianceConfig.Model(null, List.of(tmp.resolve("fleet.pub").toString(),
                TestBundles.DEMO_KEY.toString()), null, null, List.of("cpu"), 1,
                null, null, null, null, null));
        store = new ModelStore(tmp.resolve("models"), TestBundles.FACTORY);
        v3 = TestBundles.factoryAs("1.3.0", key);
        v4 = TestBundles.factoryAs("1.4.0", key);
    }

    String startVersion() throws Exception {
        try (LoadedModel m = store.loadBest(loader)) {
            return m.version();
        }
    }

    @Test
    void installsKeepTheActiveAndTheLastKnownGood() throws Exception {
        assertThat(startVersion()).isEqualTo(TestBundles.FACTORY_VERSION);
        store.commit(v3);
        assertThat(startVersion()).isEqualTo("1.3.0");
        assertThat(Files.readAllBytes(store.previous())).isEqualTo(Files.readAllBytes(TestBundles.FACTORY));
        store.commit(v4);
        assertThat(startVersion()).isEqualTo("1.4.0");
        assertThat(Files.readAllBytes(store.previous())).isEqualTo(v3);
    }

    @Test
    void rollbackSwapsTheActiveAndTheLastKnownGood() throws Exception {
        store.commit(v3);
        store.commit(v4);
        store.rollback();
        assertThat(startVersion()).isEqualTo("1.3.0");
        assertThat(Files.readAllBytes(store.previous())).isEqualTo(v4);
        assertThat(tmp.resolve("models")).isDirectoryNotContaining("glob:**/refused.vimodel");
    }

    @Test
    void aTornOrMissingActiveFallsBackToThePreviousThenTheFactoryBundle() throws Exception {
        store.commit(v3);
        store.commit(v4);
        Files.write(store.active(), java.util.Arrays.copyOf(v4, v4.length / 2)); // torn by a failing disk
        assertThat(startVersion()).isEqualTo("1.3.0");
        Files.delete(store.active()); // power cut between the two steps of an install
        Files.writeString(store.active().resolveSibling(".active.vimodel123.tmp"), "half a bundle");
        assertThat(startVersion()).isEqualTo("1.3.0");
        Files.write(store.previous(), new byte[] {'P', 'K', 3, 4});
        assertThat(startVersion()).isEqualTo(TestBundles.FACTORY_VERSION);
        assertThatThrownBy(() -> new ModelStore(tmp.resolve("models"), tmp.resolve("none.vimodel")).loadBest(loader))
                .hasMessageStartingWith("no usable model").hasMessageContaining("previous.vimodel");
    }
}
