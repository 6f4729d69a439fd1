package com.edgeinspect.appliance.bench;

import com.edgeinspect.appliance.Appliance;
import com.edgeinspect.appliance.config.ApplianceConfig;
import com.edgeinspect.core.alert.AlertEvent;
import com.edgeinspect.core.dataset.VideoAnnotations;
import com.edgeinspect.core.metrics.EventEvaluator;
import com.edgeinspect.core.mqtt.MqttListener;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;

/**
 * What an early-exit model saves and what it costs, on one annotated clip played once at camera pace: the appliance
 * runs it with the whole graph on every frame, then with the early exit, and reports for each the frames processed,
 * the share that left at the gate, the mean share of the frame the second graph computed on (the gate's region and
 * what the graph must see around it), the mean inference time per frame (preprocessing, both graphs, decoding),
 * event-level recall and precision of the alerts, and the defective parts each run missed. The clip's frame rate must
 * be one the whole graph keeps up with, so that both runs see every frame.
 *
 * <p>Usage: {@code EarlyExitBenchmark CLIP BUNDLE MAX_SPEED_PX [GATE]} (the belt's speed in pixels per frame, for
 * the tracker; the stream's gate threshold instead of the bundle's)
 */
public final class EarlyExitBenchmark {

    private EarlyExitBenchmark() {}

    public static void main(String[] args) throws Exception {
        Path clip = Path.of(args[0]);
        String bundle = args[1];
        String tracking = "tracking: {max_speed_px: " + Double.parseDouble(args[2]) + "}"
                + (args.length > 3 ? "\nEDGEINSPECT__STREAMS__0__GATE_THRESHOLD=" + Double.parseDouble(args[3]) : "");
        EventEvaluator whole = run(clip, bundle, false, tracking);
        EventEvaluator early = run(clip, bundle, true, tracking);
        System.out.printf(Locale.ROOT, "RESULT mode=compare recall_loss_points=%.1f%n",
                100 * (whole.recall() - early.recall()));
    }

    @SuppressWarnings("unchecked")
    private static EventEvaluator run(Path clip, String bundle, boolean earlyExit, String tracking) throws Exception {
        Path state = Files.createTempDirectory("edgeinspect-bench");
        ApplianceConfig config = BenchSetup.config("bench", List.of(clip), state, BenchSetup.freePort(),
                BenchSetup.trustedKeys(), "{}", "bundle: \"" + bundle + "\", early_exit: " + earlyExit,
                false, tracking);
        EventEvaluator eval = new EventEvaluator(VideoAnnotations.readBeside(clip));
        List<AlertEvent> raised = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        try (Appliance a = Appliance.start(config); Subscriber sub = new Subscriber(config, raised)) {
            Map<String, Object> s;
            do {
                Thread.sleep(1000);
                s = ((List<Map<String, Object>>) a.status().get("streams")).get(0);
                System.err.printf(Locale.ROOT, "%s: %s, processed %s%n", earlyExit ? "early exit" : "whole graph",
                        s.get("state"), s.get("processed"));
            } while (!"ended".equals(s.get("state")));
            Thread.sleep(2000); // the last frame's alerts reach the subscriber
            synchronized (raised) {
                for (AlertEvent e : raised) {
                    if (e.type().equals(AlertEvent.NEW)) {
                        eval.add(e.frame(), e.box());
                    }
                }
            }
            long processed = ((Number) s.get("processed")).longValue();
            long exits = ((Number) s.get("earlyExits")).longValue();
            String metrics = a.metrics();
            System.out.printf(Locale.ROOT, "RESULT mode=%s decoded=%s processed=%d exits=%d exit_share=%.3f "
                    + "stage_two_share=%.4f inference_ms=%.1f recall=%.3f precision=%.3f alerts=%d parts=%d false=%d "
                    + "duplicates=%d%n", earlyExit ? "early-exit" : "whole", s.get("decoded"), processed, exits,
                    (double) exits / processed, metric(metrics, "edgeinspect_stage_two_frames_total") / processed,
                    1000 * metric(metrics, "edgeinspect_inference_seconds_sum")
                            / metric(metrics, "edgeinspect_inference_seconds_count"), eval.recall(), eval.precision(),
                    eval.alerts(), eval.defectiveParts(), eval.falseAlerts(), eval.duplicates());
            for (VideoAnnotations.Part p : eval.missed()) {
                System.out.printf(Locale.ROOT, "MISSED mode=%s part=%d frames=%d-%d%n",
                        earlyExit ? "early-exit" : "whole", p.track(), p.firstFrame(), p.lastFrame());
            }
        }
        return eval;
    }

    /** Collects the alert messages as a consumer on the line would (the event store keeps each alert's last state). */
    private static final class Subscriber extends MqttListener implements AutoCloseable {
        private static final ObjectMapper JSON = new ObjectMapper();
        private final MqttClient client;
        private final List<AlertEvent> raised;

        Subscriber(ApplianceConfig config, List<AlertEvent> raised) throws MqttException {
            this.raised = raised;
            client = new MqttClient(config.mqtt().url(), "early-exit-benchmark", new MemoryPersistence());
            client.setCallback(this);
            client.connect(new MqttConnectionOptions());
            client.subscribe(new String[] {config.topics().alerts()}, new int[] {1});
        }

        @Override
        public void messageArrived(String topic, MqttMessage message) throws Exception {
            raised.add(JSON.readValue(message.getPayload(), AlertEvent.class));
        }

        @Override
        public void close() throws MqttException {
            client.disconnect();
            client.close();
        }
    }

    /** The value of the first sample of {@code name} in the Prometheus text. */
    private static double metric(String metrics, String name) {
        for (String line : metrics.split("\n")) {
            if (line.startsWith(name + "{") || line.startsWith(name + " ")) {
                return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        throw new IllegalStateException("no metric " + name);
    }
}
