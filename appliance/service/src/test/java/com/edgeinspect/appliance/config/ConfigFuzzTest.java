package com.edgeinspect.appliance.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * 2,000 malformed configuration files made from a full valid one (lines dropped, duplicated or swapped, values
 * replaced by other types, bytes flipped, indentation broken): each loads or is refused with
 * {@link ApplianceConfig.Invalid} naming the file; no other exception escapes.
 */
class ConfigFuzzTest {

    static final String VALID = """
            device: {id: line7-box, groups: [line-7, canary]}
            mqtt:
              url: tcp://broker:1883
              prefix: inspection/{deviceId}
              stats_interval_seconds: 5
            http: {bind_address: 0.0.0.0, port: 8080}
            model:
              bundle: models/default.vimodel
              trusted_keys: [models/demo-signing.pub]
              providers: [tensorrt, cuda, cpu]
              threads: 2
            install: {probation_seconds: 60, max_inference_ms: 1000}
            tracking: {max_speed_px: 40, tolerance_px: 16, lost_after_frames: 12}
            alerts: {confirm_hits: 4, group_radius_px: 250, cooldown_frames: 30}
            storage: {dir: state, spool_max_messages: 10000, events_max: 500}
            streams:
              - name: line1
                url: rtsp://camera-1/stream
                roi: {x: 0, y: 120, width: 1920, height: 840}
                zones:
                  - {name: belt, polygon: [[0, 120], [1920, 120], [1920, 960], [0, 960]]}
                detection_threshold: 0.3
              - {name: line2, url: /data/replay.mp4, loop: true, realtime: true}
            """;

    @Test
    void malformedConfigurationsAreRefusedWithTheFileNamed() throws Exception {
        ApplianceConfig.load(stream(VALID), "valid.yaml", Map.of()); // the seed is valid
        Random r = new Random(11);
        String[] values = {"null", "-1", "0", "1e309", "\"\"", "[]", "{}", "true", "x: y", "&a", "*a", "!!binary AA",
                "99999999999999999999", "[[[[", "'", "\\u0000", "ü", "- - -"};
        int refused = 0;
        for (int i = 0; i < 2000; i++) {
            List<String> lines = new ArrayList<>(List.of(VALID.split("\n")));
            int at = r.nextInt(lines.size());
            switch (r.nextInt(6)) {
                case 0 -> lines.remove(at);
                case 1 -> lines.add(at, lines.get(r.nextInt(lines.size())));
                case 2 -> lines.set(at, lines.get(at).replaceFirst(":\\s*[^{\\[,}]+", ": "
                        + values[r.nextInt(values.length)]));
                case 3 -> lines.set(at, lines.get(at).replaceFirst("^\\s+", " ".repeat(r.nextInt(7))));
                case 4 -> java.util.Collections.swap(lines, at, r.nextInt(lines.size()));
                default -> {
                    char[] c = lines.get(at).toCharArray();
                    if (c.length > 0) {
                        c[r.nextInt(c.length)] = (char) (r.nextInt(95) + 32);
                    }
                    lines.set(at, new String(c));
                }
            }
            String name = "fuzz-" + i + ".yaml";
            try {
                ApplianceConfig.load(stream(String.join("\n", lines)), name, Map.of());
            } catch (ApplianceConfig.Invalid e) {
                assertThat(e.getMessage()).startsWith(name + ": ");
                refused++;
            }
        }
        System.out.println("malformed configurations refused: " + refused + " of 2000");
        assertThat(refused).isGreaterThan(500);
    }

    private static ByteArrayInputStream stream(String s) {
        return new ByteArrayInputStream(s.getBytes(StandardCharsets.UTF_8));
    }
}
