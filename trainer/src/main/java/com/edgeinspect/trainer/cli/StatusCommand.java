package com.edgeinspect.trainer.cli;

import com.edgeinspect.core.ship.Shipper;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code trainer status}: the fleet's devices, their groups, the model each serves and its install state. */
@Command(name = "status", mixinStandardHelpOptions = true,
        description = "Show the fleet's models: every device's online state, groups, serving model and install state.")
final class StatusCommand implements Callable<Integer> {

    @Mixin
    FleetOptions fleet;

    @Option(names = "--listen-seconds", defaultValue = "2",
            description = "how long to collect the devices' retained messages (default ${DEFAULT-VALUE})")
    int listenSeconds;

    @Override
    public Integer call() throws Exception {
        Map<String, Shipper.Device> devices;
        try (Shipper s = new Shipper(fleet.broker, fleet.clientId("status"), fleet.auth(),
                fleet.prefix, 1, new Shipper.Listener() {})) {
            Thread.sleep(listenSeconds * 1000L);
            devices = s.devices();
        }
        System.out.printf("%-20s %-8s %-24s %-28s %s%n", "DEVICE", "ONLINE", "GROUPS", "MODEL", "INSTALL");
        for (Shipper.Device d : devices.values()) {
            System.out.printf("%-20s %-8s %-24s %-28s %s%n", d.id(), d.online() ? "yes" : "no",
                    String.join(",", d.groups()), d.model() == null ? "-" : d.model(),
                    d.state() == null ? "-" : Shipper.describe(d.state()));
        }
        System.out.printf("%d device(s)%n", devices.size());
        return 0;
    }
}
