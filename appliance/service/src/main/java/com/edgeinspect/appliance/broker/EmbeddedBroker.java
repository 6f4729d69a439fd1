package com.edgeinspect.appliance.broker;

import com.edgeinspect.appliance.config.ApplianceConfig;
import com.edgeinspect.core.io.FileTrees;
import com.hivemq.embedded.EmbeddedHiveMQ;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.slf4j.LoggerFactory;

/**
 * An MQTT 5 broker inside the appliance (HiveMQ CE, embedded) for the demo and tests: in-memory persistence, one TCP
 * listener, anonymous usage statistics off (a factory network must not phone home). Production boxes use the
 * plant's broker instead.
 */
public final class EmbeddedBroker implements AutoCloseable {

    private static final String CLEAN_UP = "com.hivemq.persistence.ScheduledCleanUpService";

    private final Path home;
    private final EmbeddedHiveMQ hivemq;

    private EmbeddedBroker(Path home, EmbeddedHiveMQ hivemq) {
        this.home = home;
        this.hivemq = hivemq;
    }

    public static EmbeddedBroker start(ApplianceConfig.EmbeddedBroker config) throws IOException {
        Path home = Files.createTempDirectory("edgeinspect-broker");
        Path conf = Files.createDirectories(home.resolve("conf"));
        Files.writeString(conf.resolve("config.xml"), """
                <?xml version="1.0"?>
                <hivemq>
                  <listeners>
                    <tcp-listener>
                      <port>%d</port>
                      <bind-address>%s</bind-address>
                    </tcp-listener>
                  </listeners>
                  <persistence>
                    <mode>in-memory</mode>
                  </persistence>
                  <anonymous-usage-statistics>
                    <enabled>false</enabled>
                  </anonymous-usage-statistics>
                </hivemq>
                """.formatted(config.port(), config.bindAddress()), StandardCharsets.UTF_8);
        keepLogging(conf);
        EmbeddedHiveMQ hivemq = EmbeddedHiveMQ.builder()
                .withConfigurationFolder(conf)
                .withDataFolder(Files.createDirectories(home.resolve("data")))
                .withExtensionsFolder(Files.createDirectories(home.resolve("extensions")))
                .build();
        try {
            hivemq.start().get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            FileTrees.delete(home);
            throw new IOException("embedded MQTT broker did not start on " + config.bindAddress() + ":" + config.port()
                    + ": " + e.getMessage(), e);
        }
        return new EmbeddedBroker(home, hivemq);
    }

    /**
     * HiveMQ configures logging from its configuration folder's {@code logback.xml} and, without one, warns that it
     * cannot read it; given the logging configuration in effect, it sets up the same again and says nothing.
     */
    private static void keepLogging(Path conf) throws IOException {
        String name = System.getProperty("logback.configurationFile");
        if (name == null) {
            return;
        }
        try (InputStream in = EmbeddedBroker.class.getClassLoader().getResourceAsStream(name)) {
            if (in != null) {
                Files.copy(in, conf.resolve("logback.xml"));
            } else if (Files.isRegularFile(Path.of(name))) {
                Files.copy(Path.of(name), conf.resolve("logback.xml"));
            }
        }
    }

    @Override
    public void close() throws Exception {
        // HiveMQ's persistence clean-up job can race the shutdown of its own executor and log the rejected task as an
        // ERROR; the broker and its in-memory state are going away, so there is nothing to report.
        if (LoggerFactory.getLogger(CLEAN_UP) instanceof ch.qos.logback.classic.Logger l) {
            l.setLevel(ch.qos.logback.classic.Level.OFF);
        }
        try {
            hivemq.stop().get(30, TimeUnit.SECONDS);
            hivemq.close();
        } finally {
            FileTrees.delete(home);
        }
    }
}
