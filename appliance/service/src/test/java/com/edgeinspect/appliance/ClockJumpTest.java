package com.edgeinspect.appliance;

import static org.assertj.core.api.Assertions.assertThat;

import com.edgeinspect.appliance.config.ApplianceConfig;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The wall clock steps while the line runs, as when NTP corrects a box that booted with a wrong clock: a day back,
 * then a year ahead. Alerts keep coming, stamped with the stepped clock; none is lost or repeated; the box stays
 * ready and its uptime keeps counting on the monotonic clock. The box's own timing (spool waits, cooldowns counted in
 * frames, uptime, the watchdog, timers) never reads the wall clock; the appliance takes it as a {@link Clock}.
 */
class ClockJumpTest {

    @TempDir
    Path tmp;

    /** The system clock plus an offset the test steps. */
    static final class SteppedClock extends Clock {
        volatile Duration offset = Duration.ZERO;

        @Override
        public Instant instant() {
            return Instant.now().plus(offset);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            throw new UnsupportedOperationException("UTC only");
        }
    }

    @Test
    void theWallClockStepsBackAndAheadWhileAlertsFlow() throws Exception {
        int port = Mosquitto.freePort();
        BlockingQueue<Harness.Msg> got = new LinkedBlockingQueue<>();
        SteppedClock clock = new SteppedClock();
        HttpClient http = HttpClient.newHttpClient();
        try (Mosquitto broker = Mosquitto.start(Files.createDirectories(tmp.resolve("broker")), port, false)) {
            MqttClient consumer = new MqttClient("tcp://127.0.0.1:" + port, "consumer", new MemoryPersistence());
            consumer.setCallback(new Harness.Collector(got));
            consumer.connect(new MqttConnectionOptions());
            consumer.subscribe(new String[] {"test/box-t/alerts"}, new int[] {1});
            ApplianceConfig config = Harness.load(Harness.config("mixed-defects", port, tmp.resolve("state"))
                    .replace("loop: false", "loop: true"), "clock");
            try (Appliance box = Appliance.start(config, null, clock)) {
                String base = "http://127.0.0.1:" + box.httpPort();
                Harness.await(() -> got.size() >= 4, "first alerts", 60);
                long uptime = uptime(http, base);
                for (Duration jump : new Duration[] {Duration.ofDays(-1), Duration.ofDays(365)}) {
                    clock.offset = jump;
                    Instant expected = Instant.now().plus(jump);
                    Harness.await(() -> got.stream().anyMatch(m -> Math.abs(Duration.between(expected,
                            Instant.parse(m.json().getString("time"))).toMinutes()) < 10),
                            "alerts stamped " + jump + " from now", 60);
                    assertThat(Harness.get(http, base + "/ready").statusCode()).as("ready after " + jump)
                            .isEqualTo(200);
                    long now = uptime(http, base);
                    assertThat(now).as("uptime after " + jump + " (monotonic)").isBetween(uptime, uptime + 120);
                    uptime = now;
                }
                System.out.println("clock stepped a day back and a year ahead: "
                        + Harness.awaitEveryAlertOnce(http, base, got, 0));
            }
            consumer.disconnect();
            consumer.close();
        }
    }

    /** The model installer dates what it says with the same clock: a box a year ahead says so in its model state. */
    @Test
    void theModelStateIsDatedByTheAppliancesClock() throws Exception {
        int port = Mosquitto.freePort();
        BlockingQueue<Harness.Msg> got = new LinkedBlockingQueue<>();
        SteppedClock clock = new SteppedClock();
        clock.offset = Duration.ofDays(365);
        try (Mosquitto broker = Mosquitto.start(Files.createDirectories(tmp.resolve("broker")), port, false)) {
            MqttClient watcher = new MqttClient("tcp://127.0.0.1:" + port, "watcher", new MemoryPersistence());
            watcher.setCallback(new Harness.Collector(got));
            watcher.connect(new MqttConnectionOptions());
            watcher.subscribe(new String[] {"test/box-t/model/state"}, new int[] {1});
            ApplianceConfig config = Harness.load(Harness.config("clean-line", port, tmp.resolve("state")), "clock");
            try (Appliance box = Appliance.start(config, null, clock)) {
                Harness.await(() -> !got.isEmpty(), "the model state", 30);
                Instant stamped = Instant.parse(got.peek().json().getString("time"));
                assertThat(Duration.between(Instant.now().plus(clock.offset), stamped).abs())
                        .as("model state dated " + stamped).isLessThan(Duration.ofMinutes(1));
            }
            watcher.disconnect();
            watcher.close();
        }
    }

    private static long uptime(HttpClient http, String base) throws Exception {
        return Harness.status(http, base).getLong("uptimeSeconds");
    }
}
