package com.edgeinspect.appliance;

import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The appliance process is SIGKILLed three times while it raises alerts (and restarted each time): every alert it
 * recorded reaches the consumer, in order per alert, at most one redelivery per kill (a PUBACK lost with the
 * process), because an alert is on disk in the spool before the frame that raised it is done.
 */
class AlertsUnderKillTest {

    @TempDir
    Path tmp;

    @Test
    void killedMidAlertsItLosesNone() throws Exception {
        int port = Mosquitto.freePort();
        int httpPort = Mosquitto.freePort();
        Path config = tmp.resolve("box.yaml");
        Files.writeString(config, Harness.config("mixed-defects", port, tmp.resolve("state"))
                .replace("loop: false", "loop: true").replace("port: 0}", "port: " + httpPort + "}"));
        String base = "http://127.0.0.1:" + httpPort;
        HttpClient http = HttpClient.newHttpClient();
        BlockingQueue<Harness.Msg> got = new LinkedBlockingQueue<>();
        try (Mosquitto broker = Mosquitto.start(Files.createDirectories(tmp.resolve("broker")), port, false)) {
            MqttClient consumer = new MqttClient("tcp://127.0.0.1:" + port, "consumer", new MemoryPersistence());
            consumer.setCallback(new Harness.Collector(got));
            consumer.connect(new MqttConnectionOptions());
            consumer.subscribe(new String[] {"test/box-t/alerts"}, new int[] {1});
            int kills = 3;
            for (int run = 0; run <= kills; run++) {
                Process box = Harness.startAppliance(tmp, config, run);
                Harness.awaitReady(http, base);
                int before = got.size();
                Harness.await(() -> got.size() >= before + 4, "alerts from run " + run, 60);
                if (run < kills) {
                    Thread.sleep(700L * run); // somewhere in the stream of alerts
                    box.destroyForcibly().waitFor(10, TimeUnit.SECONDS); // SIGKILL
                } else {
                    Harness.await(() -> Harness.pending(http, base) == 0, "spool drained", 60);
                    String summary = Harness.awaitEveryAlertOnce(http, base, got, kills);
                    System.out.println("after " + kills + " kills: " + summary);
                    box.destroy();
                    box.waitFor(30, TimeUnit.SECONDS);
                }
            }
            consumer.disconnect();
            consumer.close();
        }
    }
}
