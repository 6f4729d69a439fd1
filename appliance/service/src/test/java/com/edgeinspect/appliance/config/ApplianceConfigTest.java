package com.edgeinspect.appliance.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ApplianceConfigTest {

    static final String GOOD = """
            device: {id: box-7}
            mqtt: {url: "tcp://127.0.0.1:1883", prefix: "plant/{deviceId}", stats_interval_seconds: 5}
            http: {bind_address: 127.0.0.1, port: 0}
            model: {bundle: m.vimodel, trusted_keys: [k.pub]}
            streams:
              - {name: line1, url: /tmp/a.mp4, loop: true}
              - {name: line2, url: "rtsp://cam/stream", loop: false, realtime: false}
            """;

    static ApplianceConfig load(String yaml) throws Exception {
        return ApplianceConfig.load(new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8)), "test.yaml");
    }

    @Test
    void loadsAValidFileIntoRecords() throws Exception {
        ApplianceConfig c = load(GOOD);
        assertThat(c.topics().status()).isEqualTo("plant/box-7/status");
        assertThat(c.streams()).hasSize(2);
        assertThat(c.streams().get(0).paced()).isTrue();
        assertThat(c.streams().get(1).paced()).isFalse();
    }

    @Test
    void demoConfigIsValid() throws Exception {
        try (var in = getClass().getResourceAsStream("/demo.yaml")) {
            assertThat(ApplianceConfig.load(in, "demo.yaml").mqtt().embeddedBroker().enabled()).isTrue();
        }
    }

    @Test
    void errorsNameTheKeyPath() {
        assertThatThrownBy(() -> load(GOOD.replace("loop: false", "loop: false, colour: red")))
                .hasMessageStartingWith("test.yaml: streams[1]: unknown key 'colour'; valid:")
                .hasMessageContaining("realtime");
        assertThatThrownBy(() -> load(GOOD.replace("name: line2", "name: line1")))
                .hasMessage("test.yaml: streams[1].name: duplicate stream name 'line1'");
        assertThatThrownBy(() -> load(GOOD.replace("port: 0", "port: eighty")))
                .hasMessageStartingWith("test.yaml: http.port: ");
        assertThatThrownBy(() -> load(GOOD.replace("port: 0", "port: 70000")))
                .hasMessage("test.yaml: http.port: must be a port in [0, 65535], got 70000");
        assertThatThrownBy(() -> load(GOOD.replace("tcp://127.0.0.1:1883", "mqtt.example")))
                .hasMessageContaining("mqtt.url: must look like tcp://host:port");
        assertThatThrownBy(() -> load(GOOD.replace("plant/{deviceId}", "plant/#")))
                .hasMessageContaining("mqtt.prefix: topic prefix 'plant/#' must be");
        assertThatThrownBy(() -> load(GOOD.replace("trusted_keys: [k.pub]", "trusted_keys: []")))
                .hasMessageContaining("model.trusted_keys: needs at least one public key");
        assertThatThrownBy(() -> load(GOOD.replace("loop: true}", "loop: true, zones: [{name: a, polygon: [[0, 0]]}]}")))
                .hasMessage("test.yaml: streams[0].zones[0].polygon: needs at least three [x, y] points");
        assertThatThrownBy(() -> load(GOOD.replace("loop: true}", "loop: true, detection_threshold: 1.5}")))
                .hasMessage("test.yaml: streams[0].detection_threshold: must be in (0, 1)");
        assertThatThrownBy(() -> load(GOOD.replace("loop: true}", "loop: true, gate_threshold: 0}")))
                .hasMessage("test.yaml: streams[0].gate_threshold: must be in (0, 1)");
        assertThatThrownBy(() -> load(GOOD.replace("[k.pub]", "[k.pub], providers: [gpu]")))
                .hasMessageContaining("model.providers");
        assertThatThrownBy(() -> load(GOOD + "alerts: {confirm_rate: 1.5}\n"))
                .hasMessageStartingWith("test.yaml: alerts: ").hasMessageContaining("0 <= confirm_rate <= 1");
        assertThatThrownBy(() -> load("")).hasMessageContaining("test.yaml");
        assertThatThrownBy(() -> load("streams: [")).hasMessageStartingWith("test.yaml");
    }
}
