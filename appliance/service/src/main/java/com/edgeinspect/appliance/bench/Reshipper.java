package com.edgeinspect.appliance.bench;

import com.edgeinspect.core.bundle.Bundle;
import com.edgeinspect.core.bundle.BundleWriter;
import com.edgeinspect.core.bundle.Keys;
import com.edgeinspect.core.mqtt.MqttAuth;
import com.edgeinspect.core.ship.Offer;
import com.edgeinspect.core.ship.Shipper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.List;

/**
 * Ships the bundled model to a benchmark's appliance over MQTT under ever new versions, signed with a throwaway key
 * whose public half the appliance is told to trust: a real rollout with a model known to work.
 */
final class Reshipper implements AutoCloseable {

    private final Path dir;
    private final KeyPair key;
    private final Bundle factory;
    private Shipper shipper;

    Reshipper(Path dir) throws Exception {
        this.dir = dir;
        this.key = Keys.generate();
        Keys.writePublic(key.getPublic(), publicKey());
        this.factory = Bundle.read(Path.of("models/default.vimodel"),
                new Bundle.Trust(List.of(Keys.readPublic(Path.of("models/demo-signing.pub"))), false, 1L << 30));
    }

    /** The key to list in the appliance's {@code trusted_keys}. */
    Path publicKey() {
        return dir.resolve("bench.pub");
    }

    void connect(int brokerPort) throws Exception {
        shipper = new Shipper("tcp://127.0.0.1:" + brokerPort, "bench-shipper", MqttAuth.NONE, "bench/{deviceId}", 16,
                new Shipper.Listener() {});
    }

    /** Ships the bundled model as {@code version} to {@code device}; throws if the rollout fails. */
    void ship(String device, String version) throws Exception {
        Path bundle = dir.resolve("reship.vimodel");
        BundleWriter.rewrite(bundle, factory, version, key);
        byte[] bytes = Files.readAllBytes(bundle);
        Shipper.Result r = shipper.ship(bytes, Offer.of(bytes, Offer.DEFAULT_CHUNK, false),
                List.of(List.of(Shipper.Target.device(device))), Duration.ofMinutes(2), Duration.ZERO);
        if (!r.ok()) {
            throw new IllegalStateException("shipping " + version + " failed: " + r.failure());
        }
    }

    @Override
    public void close() {
        if (shipper != null) {
            shipper.close();
        }
    }
}
