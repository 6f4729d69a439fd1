package com.edgeinspect.appliance;

import com.edgeinspect.appliance.config.ApplianceConfig;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts the appliance: {@code --config appliance.yaml}, or {@code --demo} for the bundled clip with an embedded
 * broker. Exits with 2 and a one-line message naming the key on a bad configuration.
 */
public final class Main {

    static {
        // HiveMQ's jar carries its own logback.xml; name ours explicitly (before the first logger is made).
        if (System.getProperty("logback.configurationFile") == null) {
            System.setProperty("logback.configurationFile", "appliance-logback.xml");
        }
    }

    private static final Logger LOG = LoggerFactory.getLogger(Main.class);

    private Main() {}

    public static void main(String[] args) throws Exception {
        ApplianceConfig config;
        try {
            config = config(args);
        } catch (ApplianceConfig.Invalid | IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage());
            System.exit(2);
            return;
        }
        Appliance appliance = Appliance.start(config);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                appliance.close();
            } catch (Exception e) {
                LOG.warn("shutdown: {}", e.toString());
            }
            stopped.countDown();
        }, "shutdown"));
        LOG.info("appliance {} running; status: http://localhost:{}/api/status", config.device().id(),
                appliance.httpPort());
        stopped.await();
    }

    static ApplianceConfig config(String[] args) throws Exception {
        if (args.length == 1 && args[0].equals("--demo")) {
            try (InputStream in = Main.class.getResourceAsStream("/demo.yaml")) {
                return ApplianceConfig.load(in, "demo.yaml (built in)");
            }
        }
        if (args.length == 2 && args[0].equals("--config")) {
            Path file = Path.of(args[1]);
            if (!Files.isRegularFile(file)) {
                throw new IllegalArgumentException("no configuration file " + file.toAbsolutePath());
            }
            try (InputStream in = Files.newInputStream(file)) {
                return ApplianceConfig.load(in, file.toString());
            }
        }
        throw new IllegalArgumentException("usage: appliance --config FILE.yaml | --demo");
    }
}
