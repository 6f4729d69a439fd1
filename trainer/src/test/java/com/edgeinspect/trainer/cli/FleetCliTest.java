package com.edgeinspect.trainer.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.junit.jupiter.api.Test;

/**
 * {@code trainer status} and {@code trainer ship} against Debian's mosquitto (the appliance's own tests ship to real
 * appliances): status lists the devices from their retained messages; a rollout to a group nobody is in fails with
 * a clear message and leaves no offer behind; a bad group name fails before anything is published.
 */
class FleetCliTest {

    @Test
    void statusListsTheFleetAndShippingToAnEmptyGroupFailsCleanly() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        // Without a configuration file mosquitto 2 listens on the loopback only and lets anyone in: a test broker.
        Process broker = new ProcessBuilder("/usr/sbin/mosquitto", "-p", Integer.toString(port))
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        try {
            awaitListening(port);
            String url = "tcp://127.0.0.1:" + port;
            MqttClient device = new MqttClient(url, "line7-box", new MemoryPersistence());
            device.connect(new MqttConnectionOptions());
            device.publish("inspection/line7-box/status", ("{\"state\":\"online\",\"device\":\"line7-box\","
                    + "\"groups\":[\"line-7\"],\"model\":{\"name\":\"defect-student\",\"version\":\"0.2.0\"}}")
                    .getBytes(StandardCharsets.UTF_8), 1, true);
            device.publish("inspection/line7-box/model/state", ("{\"state\":\"idle\",\"device\":\"line7-box\","
                    + "\"time\":\"2026-11-28T00:00:00Z\",\"serving\":{\"name\":\"defect-student\",\"version\":\"0.2.0\","
                    + "\"sha256\":\"" + "0".repeat(64) + "\"}}").getBytes(StandardCharsets.UTF_8), 1, true);

            String status = run("status", "--broker", url, "--listen-seconds", "1");
            assertThat(status).contains("line7-box").contains("line-7").contains("defect-student 0.2.0")
                    .contains("idle").contains("1 device(s)");

            Path bundle = Path.of("../models/default.vimodel");
            String shipped = run("ship", bundle.toString(), "--broker", url, "--group", "nobody-here");
            assertThat(shipped).contains("rollout failed: no device in [group nobody-here]").contains("withdrawn");
            java.util.concurrent.LinkedBlockingQueue<byte[]> retained = new java.util.concurrent.LinkedBlockingQueue<>();
            device.setCallback(new org.eclipse.paho.mqttv5.client.MqttCallback() {
                public void messageArrived(String t, org.eclipse.paho.mqttv5.common.MqttMessage m) {
                    retained.add(m.getPayload());
                }

                public void disconnected(org.eclipse.paho.mqttv5.client.MqttDisconnectResponse r) {}

                public void mqttErrorOccurred(org.eclipse.paho.mqttv5.common.MqttException e) {}

                public void deliveryComplete(org.eclipse.paho.mqttv5.client.IMqttToken t) {}

                public void connectComplete(boolean r, String u) {}

                public void authPacketArrived(int c, org.eclipse.paho.mqttv5.common.packet.MqttProperties p) {}
            });
            device.subscribe(new String[] {"fleet/nobody-here/model/offer"}, new int[] {1});
            assertThat(retained.poll(1, TimeUnit.SECONDS)).as("no offer left retained").isNull();

            assertThat(run("ship", bundle.toString(), "--broker", url, "--group", "bad/name"))
                    .contains("fleet group 'bad/name' must be");
            device.disconnect();
            device.close();
        } finally {
            broker.destroy();
            broker.waitFor(5, TimeUnit.SECONDS);
        }
    }

    /** Runs the trainer CLI and returns what it printed on stdout and stderr. */
    private static String run(String... args) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        PrintStream capture = new PrintStream(buf, true, StandardCharsets.UTF_8);
        System.setOut(capture);
        System.setErr(capture);
        try {
            TrainerCli.run(args);
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
        String s = buf.toString(StandardCharsets.UTF_8);
        System.out.print(s);
        return s;
    }

    private static void awaitListening(int port) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            try (Socket s = new Socket("127.0.0.1", port)) {
                return;
            } catch (java.io.IOException e) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("mosquitto did not start (.ci/run installs it)");
                }
                Thread.sleep(50);
            }
        }
    }
}
