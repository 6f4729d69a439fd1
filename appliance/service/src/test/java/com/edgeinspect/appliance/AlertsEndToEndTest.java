package com.edgeinspect.appliance;

import static org.assertj.core.api.Assertions.assertThat;

import com.edgeinspect.appliance.broker.EmbeddedBroker;
import com.edgeinspect.appliance.config.ApplianceConfig;
import com.edgeinspect.core.alert.AlertEvent;
import com.edgeinspect.core.dataset.VideoAnnotations;
import com.edgeinspect.core.metrics.EventEvaluator;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.core.json.JsonObject;
import io.vertx.json.schema.Draft;
import io.vertx.json.schema.JsonSchema;
import io.vertx.json.schema.JsonSchemaOptions;
import io.vertx.json.schema.OutputUnit;
import io.vertx.json.schema.Validator;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The appliance end to end on each committed clip, with the bundled model a box without TensorRT runs (int8 for ONNX
 * Runtime's CPU), against real brokers over TCP (HiveMQ embedded, Debian's mosquitto): a subscriber collects what it
 * publishes, every message validates against its JSON Schema, and the alerts are scored against the clip's ground
 * truth, one defective part = one alert. Also checks the retained online status, stats, HTTP readiness and the offline
 * status on shutdown.
 */
class AlertsEndToEndTest {

    static final List<String> CLIPS = List.of("clean-line", "mixed-defects", "hard-conditions");

    @TempDir
    Path tmp;

    @Test
    void withEmbeddedHiveMq() throws Exception {
        int port = Mosquitto.freePort();
        try (EmbeddedBroker b = EmbeddedBroker.start(new ApplianceConfig.EmbeddedBroker(true, "127.0.0.1", port))) {
            for (String clip : CLIPS) {
                run(clip, port, "ffmpeg");
            }
        }
    }

    @Test
    void withDebianMosquitto() throws Exception {
        try (Mosquitto m = Mosquitto.start(tmp)) {
            for (String clip : CLIPS) {
                run(clip, m.port, "ffmpeg");
            }
        }
    }

    /** The same run with the GStreamer source (software H.264 here; nvv4l2decoder on the Jetson). */
    @Test
    void withGStreamerDecoding() throws Exception {
        try (Mosquitto m = Mosquitto.start(tmp)) {
            for (String clip : CLIPS) {
                run(clip, m.port, "avdec_h264");
            }
        }
    }

    private void run(String clip, int port, String decoder) throws Exception {
        String url = "tcp://127.0.0.1:" + port;
        // What a box without TensorRT runs, as the demo does: the bundled student in int8 for ONNX Runtime's CPU.
        String yaml = Harness.config(clip, port, tmp.resolve(clip + "-" + port + "-" + decoder),
                "models/default-int8-cpu.vimodel");
        ApplianceConfig config = Harness.load(yaml.replace("realtime: true}", "realtime: true, decoder: " + decoder + "}"),
                clip);
        assertThat(config.model().bundle()).endsWith("default-int8-cpu.vimodel");
        assertThat(config.streams().get(0).decoder()).isEqualTo(decoder);
        BlockingQueue<Harness.Msg> got = new LinkedBlockingQueue<>();
        MqttClient sub = new MqttClient(url, "test-subscriber", new MemoryPersistence());
        sub.connect(new MqttConnectionOptions());
        sub.setCallback(new Harness.Collector(got));
        // MqttClient.subscribe(String, int, listener) recurses forever in Paho 1.2.5; this overload does not.
        sub.subscribe(new String[] {"test/box-t/#"}, new int[] {1});
        List<Harness.Msg> all = new ArrayList<>();
        try (Appliance appliance = Appliance.start(config)) {
            HttpClient http = HttpClient.newHttpClient();
            String base = "http://127.0.0.1:" + appliance.httpPort();
            Harness.await(() -> Harness.get(http, base + "/ready").statusCode() == 200, "ready", 30);
            Harness.awaitClipDelivered(http, base);
            // Delivered to the broker is not yet received here: on a loaded machine the last snapshot lags.
            Harness.await(() -> got.stream().filter(m -> m.topic().endsWith("/snapshot")).count()
                    >= got.stream().filter(m -> m.topic().equals("test/box-t/alerts")
                            && "new".equals(m.json().getString("type"))).count(), "every snapshot received", 30);
            if (clip.equals("mixed-defects")) {
                webPage(http, base); // after the clip, so the browser does not slow the detector
            }
            String metrics = Harness.get(http, base + "/metrics").body();
            assertThat(metrics).contains("edgeinspect_frames_processed_total{stream=\"line1\"}")
                    .contains("edgeinspect_inference_seconds_bucket")
                    .contains("edgeinspect_model{name=\"defect-student-cpu\"")
                    .containsPattern("edgeinspect_frames_dropped\\{stream=\"line1\"} \\d");
            got.drainTo(all);
        }
        Thread.sleep(300);
        got.drainTo(all);
        sub.disconnect();
        sub.close();

        Validator alertSchema = Harness.schema("alert");
        Validator statusSchema = Harness.schema("status");
        Validator statsSchema = Harness.schema("stats");
        EventEvaluator eval = new EventEvaluator(VideoAnnotations.readBeside(Harness.REPO.resolve("test-videos/" + clip + ".mp4")));
        Set<String> seen = new HashSet<>();
        Set<String> snapshots = new HashSet<>();
        List<String> online = new ArrayList<>();
        ObjectMapper json = new ObjectMapper();
        for (Harness.Msg m : all) {
            if (m.topic().equals("test/box-t/alerts")) {
                Harness.valid(alertSchema, m);
                AlertEvent e = json.readValue(m.payload(), AlertEvent.class);
                assertThat(seen.add(e.id() + "/" + e.sequence())).as("duplicate alert message").isTrue();
                if (e.type().equals(AlertEvent.NEW)) {
                    eval.add(e.frame(), e.box());
                }
            } else if (m.topic().endsWith("/snapshot")) {
                assertThat(m.payload()).startsWith(0xff, 0xd8); // JPEG
                snapshots.add(m.topic().split("/")[3]);
            } else if (m.topic().equals("test/box-t/status")) {
                Harness.valid(statusSchema, m);
                if (!m.retained()) { // a retained one is the previous run's goodbye
                    online.add(m.json().getString("state"));
                }
            } else if (m.topic().equals("test/box-t/stats")) {
                Harness.valid(statsSchema, m);
            }
        }
        System.out.printf("%s via port %d, %s: %s%n", clip, port, decoder, eval);
        assertThat(online).startsWith("online").endsWith("offline");
        assertThat(snapshots).hasSize(eval.alerts());
        // Sanity floors that catch a broken pipeline, NOT the acceptance bar (recall and precision >= 0.9): which
        // frames a paced clip's detector sees depends on the machine's speed, and one part more or less moves either
        // by 0.07. The bar's measured runs are in BENCHMARKS.md.
        if (eval.defectiveParts() > 0) {
            assertThat(eval.recall()).as(clip + ": " + eval).isGreaterThanOrEqualTo(0.5);
            assertThat(eval.precision()).as(clip + ": " + eval).isGreaterThanOrEqualTo(0.5);
        } else {
            // The bundled model's faint, persistent detections on clean parts give 0-3 false alerts per pass in
            // most runs and 6 in one of 40 (BENCHMARKS.md; which frames a paced clip's detector sees varies from run
            // to run); a broken pipeline gives dozens.
            assertThat(eval.falseAlerts()).as(clip + ": " + eval).isLessThanOrEqualTo(8);
        }
    }

    /** The web page as a browser shows it: headless Chromium runs its script against the live appliance. */
    private static void webPage(HttpClient http, String base) throws Exception {
        // The clip has ended, so the live view ends too and the page finishes loading.
        Process p = new ProcessBuilder("chromium", "--headless", "--no-sandbox", "--disable-gpu",
                "--virtual-time-budget=3000", "--dump-dom", base + "/").redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        if (!p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("chromium did not finish loading the page in 60 s");
        }
        String dom = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(dom).contains("<b id=\"model\">defect-student-cpu ").contains("<li class=\"alert\" id=\"alert-")
                .containsPattern("<img src=\"/api/events/[0-9a-f-]{36}/snapshot.jpg\"")
                .contains("/stream/line1.mjpg").contains("<td>line1</td>").contains("MQTT connected")
                .contains(">ended</td>");
        String id = dom.replaceAll("(?s).*?<li class=\"alert\" id=\"alert-([0-9a-f-]{36})\".*", "$1");
        var jpeg = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(base + "/api/events/" + id
                + "/snapshot.jpg")).build(), java.net.http.HttpResponse.BodyHandlers.ofByteArray());
        assertThat(jpeg.headers().firstValue("content-type")).hasValue("image/jpeg");
        assertThat(jpeg.body()).startsWith(0xff, 0xd8);
    }


}
