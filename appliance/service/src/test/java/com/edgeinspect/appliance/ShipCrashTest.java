package com.edgeinspect.appliance;

import static org.assertj.core.api.Assertions.assertThat;

import com.edgeinspect.appliance.model.TestBundles;
import com.edgeinspect.core.bundle.Bundle;
import com.edgeinspect.core.ship.ModelState;
import com.edgeinspect.core.ship.Offer;
import com.edgeinspect.core.ship.Shipper;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The appliance process is killed with SIGKILL at many points of an install (receiving, verified, staged, warming,
 * the swap and just after it): after every restart it serves a valid model, the old or the new one, its state topic
 * names that model, and the install then completes from where it stood.
 */
class ShipCrashTest {

    /** Where to kill: on seeing the device publish a state for the new bundle, and so many ms later. */
    record KillPoint(String state, int delayMs) {}

    static final List<KillPoint> KILLS = List.of(new KillPoint("offered", 0), new KillPoint("receiving", 0),
            new KillPoint("receiving", 15), new KillPoint("receiving", 40), new KillPoint("verified", 0),
            new KillPoint("verified", 5), new KillPoint("staged", 0), new KillPoint("staged", 3),
            new KillPoint("staged", 10), new KillPoint("warming", 0), new KillPoint("warming", 10),
            new KillPoint("warming", 25), new KillPoint("warming", 50), new KillPoint("warming", 100),
            new KillPoint("warming", 200), new KillPoint("active", 0), new KillPoint("active", 2),
            new KillPoint("active", 10), new KillPoint("active", 50), new KillPoint("offered", 5),
            new KillPoint("receiving", 80), new KillPoint("verified", 15));

    @TempDir
    Path tmp;

    @Test
    void aKilledApplianceAlwaysRestartsWithAValidModelAndFinishesTheInstall() throws Exception {
        KeyPair key = Fleet.key(tmp);
        int httpPort = Mosquitto.freePort();
        HttpClient http = HttpClient.newHttpClient();
        String base = "http://127.0.0.1:" + httpPort;
        Map<String, String> shaToVersion = new HashMap<>();
        shaToVersion.put(Bundle.sha256(Files.readAllBytes(TestBundles.FACTORY)), TestBundles.FACTORY_VERSION);
        Map<String, Integer> killedIn = new TreeMap<>();
        try (Mosquitto broker = Mosquitto.start(Files.createDirectories(tmp.resolve("broker")))) {
            Path config = tmp.resolve("box.yaml");
            Files.writeString(config, Fleet.config("box-k", List.of(), broker.port, tmp.resolve("state"),
                    Harness.REPO.resolve("test-videos/clean-line.mp4"), tmp.resolve("fleet.pub"),
                    "{probation_seconds: 0}").replace("port: 0}", "port: " + httpPort + "}"));
            Fleet.Log log = new Fleet.Log();
            try (Shipper shipper = Fleet.shipper(broker.port, log)) {
                Process box = Harness.startAppliance(tmp, config, 0);
                String serving = TestBundles.FACTORY_VERSION;
                for (int i = 0; i <= KILLS.size(); i++) {
                    Harness.awaitReady(http, base);
                    String version = "1." + i + ".0";
                    byte[] bundle = TestBundles.factoryAs(version, key);
                    shaToVersion.put(Bundle.sha256(bundle), version);
                    Offer offer = Offer.of(bundle, 16 * 1024, false);
                    long t0 = System.nanoTime();
                    CompletableFuture<Shipper.Result> result = CompletableFuture.supplyAsync(() -> {
                        try {
                            return shipper.ship(bundle, offer, List.of(List.of(Shipper.Target.device("box-k"))),
                                    Duration.ofSeconds(120), Duration.ZERO);
                        } catch (InterruptedException e) {
                            throw new IllegalStateException(e);
                        }
                    });
                    if (i == 0) { // the first install runs uninterrupted: the device is warm for the next
                        assertThat(result.get(120, TimeUnit.SECONDS).ok()).isTrue();
                        System.out.printf("an uninterrupted install takes %.2f s%n", (System.nanoTime() - t0) / 1e9);
                        serving = version;
                        continue;
                    }
                    KillPoint at = KILLS.get(i - 1);
                    Harness.await(() -> log.states.get("box-k").stream().anyMatch(s -> offer.sha256().equals(s.sha256())
                            && s.state().equals(at.state())), "state " + at.state(), 60);
                    Thread.sleep(at.delayMs());
                    box.destroyForcibly().waitFor(10, TimeUnit.SECONDS); // SIGKILL
                    Instant restart = Instant.now();
                    box = Harness.startAppliance(tmp, config, i);
                    Harness.awaitReady(http, base);
                    ModelState first = firstAfter(log, restart);
                    // Where the install stood at the kill, as the device recorded it on disk.
                    String stage = offer.sha256().equals(first.sha256()) ? first.state() : "not yet offered";
                    killedIn.merge(stage, 1, Integer::sum);
                    String firstVersion = shaToVersion.get(first.serving().sha256());
                    System.out.printf("kill %d on %s +%d ms (recorded %s): restarted serving %s, state %s%n", i,
                            at.state(), at.delayMs(), stage, firstVersion, Shipper.describe(first));
                    assertThat(firstVersion).as("a valid model after kill %d", i).isIn(serving, version);
                    assertThat(first.serving().version()).isEqualTo(firstVersion);
                    assertThat(Fleet.servingVersion(http, base)).isIn(serving, version);
                    Shipper.Result r = result.get(120, TimeUnit.SECONDS);
                    assertThat(r.ok()).as("install after kill %d: %s", i, r.failure()).isTrue();
                    assertThat(Fleet.servingVersion(http, base)).isEqualTo(version);
                    serving = version;
                }
                box.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
        System.out.println("kills by install state: " + killedIn);
        assertThat(killedIn.values().stream().mapToInt(Integer::intValue).sum()).isEqualTo(KILLS.size());
        // verified and staged last milliseconds; the test aims at them but only asserts what it reliably reaches.
        assertThat(killedIn.keySet()).as("kill points across the install").contains("offered", "warming", "active");
    }

    /** The first state the device published after {@code restart}: what it serves at start. */
    private static ModelState firstAfter(Fleet.Log log, Instant restart) throws Exception {
        Harness.await(() -> log.states.get("box-k").stream()
                .anyMatch(s -> !Instant.parse(s.time()).isBefore(restart)), "a state after the restart", 30);
        return log.states.get("box-k").stream().filter(s -> !Instant.parse(s.time()).isBefore(restart))
                .findFirst().orElseThrow();
    }
}
