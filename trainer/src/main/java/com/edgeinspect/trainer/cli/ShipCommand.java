package com.edgeinspect.trainer.cli;

import com.edgeinspect.core.mqtt.Topics;
import com.edgeinspect.core.ship.ModelState;
import com.edgeinspect.core.ship.Offer;
import com.edgeinspect.core.ship.Shipper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code trainer ship}: rolls a signed bundle out over MQTT, canaries first, printing each device's transfer and
 * install states; exits non-zero if any device rejects or rolls it back (the rollout then stops).
 */
@Command(name = "ship", mixinStandardHelpOptions = true,
        description = "Ship a bundle to devices or fleet groups over MQTT: a retained offer, chunks on request, "
                + "canaries first; waits until every device runs it (active and healthy).")
final class ShipCommand implements Callable<Integer> {

    @Parameters(index = "0", description = "the bundle (.vimodel) to ship")
    Path bundle;

    @Mixin
    FleetOptions fleet;

    @ArgGroup(exclusive = false, multiplicity = "1", heading = "Targets (at least one):%n")
    Targets targets;

    static final class Targets {
        @Option(names = "--device", description = "a device id (repeatable)")
        List<String> devices = new ArrayList<>();

        @Option(names = "--group", description = "a fleet group (repeatable)")
        List<String> groups = new ArrayList<>();

        @Option(names = "--canary-device", description = "ship here first; the rest only if it reports active and healthy")
        List<String> canaryDevices = new ArrayList<>();

        @Option(names = "--canary-group", description = "as --canary-device, for a whole group")
        List<String> canaryGroups = new ArrayList<>();
    }

    @Option(names = "--chunk-kib", defaultValue = "256", description = "chunk size in KiB (default ${DEFAULT-VALUE})")
    int chunkKib;

    @Option(names = "--in-flight", defaultValue = "16",
            description = "chunks in flight at most, lowered to one under the broker's Receive Maximum (default ${DEFAULT-VALUE})")
    int inFlight;

    @Option(names = "--force", description = "install even where the version is not newer (a deliberate downgrade)")
    boolean force;

    @Option(names = "--timeout-minutes", defaultValue = "30",
            description = "give up waiting for devices after this long (default ${DEFAULT-VALUE})")
    int timeoutMinutes;

    @Override
    public Integer call() throws Exception {
        byte[] bytes = Files.readAllBytes(bundle);
        Offer offer = Offer.of(bytes, chunkKib * 1024, force);
        List<List<Shipper.Target>> stages = new ArrayList<>();
        List<Shipper.Target> canary = new ArrayList<>();
        targets.canaryDevices.forEach(d -> canary.add(Shipper.Target.device(d)));
        targets.canaryGroups.forEach(g -> canary.add(Shipper.Target.group(g)));
        List<Shipper.Target> rest = new ArrayList<>();
        targets.devices.forEach(d -> rest.add(Shipper.Target.device(d)));
        targets.groups.forEach(g -> rest.add(Shipper.Target.group(g)));
        targets.groups.forEach(Topics::fleetOffer); // a bad group name fails here, before anything is published
        if (!canary.isEmpty()) {
            stages.add(canary);
        }
        if (!rest.isEmpty()) {
            stages.add(rest);
        }
        System.out.printf("shipping %s %s (%d bytes, %d chunks of %d KiB, sha256 %s) in %d stage(s)%n", offer.name(),
                offer.version(), offer.size(), offer.chunks().size(), chunkKib, offer.sha256().substring(0, 16),
                stages.size());
        Shipper.Result r;
        try (Shipper s = new Shipper(fleet.broker, fleet.clientId("ship"), fleet.auth(),
                fleet.prefix, inFlight, new Printer())) {
            r = s.ship(bytes, offer, stages, Duration.ofMinutes(timeoutMinutes), Duration.ofSeconds(2));
        }
        if (r.ok()) {
            System.out.printf("%s %s is active and healthy on %s%n", offer.name(), offer.version(), r.active());
            return 0;
        }
        System.err.printf("rollout failed: %s (active on %s)%n", r.failure(), r.active());
        return 1;
    }

    /** Prints state changes and a progress bar per device's transfer. */
    private static final class Printer implements Shipper.Listener {
        private final Map<String, String> lastLine = new ConcurrentHashMap<>();
        private final Map<String, Progress> bars = new ConcurrentHashMap<>();
        private final Map<String, Integer> acked = new ConcurrentHashMap<>();

        @Override
        public void state(String device, ModelState s) {
            String line = Shipper.describe(s);
            if (!line.equals(lastLine.put(device, line))) {
                System.out.println(device + ": " + line);
            }
        }

        @Override
        public synchronized void sent(String device, int chunks, int count) {
            int before = acked.getOrDefault(device, 0);
            if (chunks <= before) {
                return; // a chunk sent again
            }
            acked.put(device, chunks);
            Progress p = bars.computeIfAbsent(device, d -> new Progress(d + " transfer", count, "chunks", System.err,
                    false));
            p.step(chunks - before);
            if (chunks >= count) {
                bars.remove(device).close();
            }
        }

        @Override
        public void info(String message) {
            System.out.println(message);
        }
    }
}
