package com.edgeinspect.appliance;

import com.edgeinspect.appliance.config.ApplianceConfig;
import com.edgeinspect.appliance.model.LoadedModel;
import com.edgeinspect.appliance.model.ModelLoader;
import com.edgeinspect.core.bundle.BundleException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts the appliance: {@code --config appliance.yaml}, or {@code --demo} for the bundled clip with an embedded
 * broker. Exits with 2 and a one-line message naming the key on a bad configuration. {@code --config FILE --prepare}
 * only checks the configuration and loads, verifies and warms the configured model at the input size of each stream
 * from a 1080p camera (its region of interest, else the whole frame), then exits: run at provisioning, it leaves
 * TensorRT's engines in the cache, so the first start on the line does not spend minutes building them before it
 * reports ready.
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
        boolean prepare = args.length == 3 && args[2].equals("--prepare");
        ApplianceConfig config;
        try {
            config = config(prepare ? java.util.Arrays.copyOf(args, 2) : args);
        } catch (ApplianceConfig.Invalid | IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage());
            System.exit(2);
            return;
        }
        if (prepare) {
            prepare(config);
            return;
        }
        if (System.getenv("MALLOC_ARENA_MAX") == null || System.getenv("MALLOC_MMAP_THRESHOLD_") == null) {
            LOG.warn("MALLOC_ARENA_MAX or MALLOC_MMAP_THRESHOLD_ is not set: resident memory grows at every model "
                    + "swap (glibc arenas); the launcher sets 2 and 1048576");
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

    private static void prepare(ApplianceConfig config) throws Exception {
        long t0 = System.nanoTime();
        ModelLoader loader = new ModelLoader(config.model());
        try (LoadedModel m = loader.load(Path.of(config.model().bundle()))) {
            List<long[]> shapes = Appliance.expectedShapes(config);
            loader.warm(m, shapes);
            System.out.printf("prepared %s %s on %s for %s in %.1f s%n", m.name(), m.version(),
                    m.detector().provider(), shapes.stream().map(Arrays::toString).toList(),
                    (System.nanoTime() - t0) / 1e9);
        } catch (BundleException e) {
            System.err.println("error: " + e.getMessage());
            System.exit(1);
        }
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
        throw new IllegalArgumentException("usage: appliance --config FILE.yaml [--prepare] | --demo");
    }
}
