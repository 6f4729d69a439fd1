package com.edgeinspect.appliance.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EnvOverridesTest {

    static ApplianceConfig load(Map<String, String> env) throws Exception {
        return ApplianceConfig.load(new ByteArrayInputStream((ApplianceConfigTest.GOOD).getBytes(StandardCharsets.UTF_8)),
                "test.yaml", env);
    }

    @Test
    void variablesOverrideKeysWithTheirTypes() throws Exception {
        ApplianceConfig c = load(Map.of(
                "EDGEINSPECT__DEVICE__ID", "box-9",
                "EDGEINSPECT__MQTT__STATS_INTERVAL_SECONDS", "7",
                "EDGEINSPECT__STREAMS__1__URL", "rtsp://10.0.0.5/cam",
                "EDGEINSPECT__STREAMS__1__LOOP", "true",
                "EDGEINSPECT__ALERTS__CONFIRM_HITS", "5",
                "UNRELATED", "x"));
        assertThat(c.device().id()).isEqualTo("box-9");
        assertThat(c.mqtt().statsIntervalSeconds()).isEqualTo(7);
        assertThat(c.streams().get(1).url()).isEqualTo("rtsp://10.0.0.5/cam");
        assertThat(c.streams().get(1).loop()).isTrue();
        assertThat(c.alerts().confirmHits()).isEqualTo(5);
        assertThat(c.alerts().cooldownFrames()) // a sibling keeps its default
                .isEqualTo(new ApplianceConfig.Alerts(null, null, null, null, null).cooldownFrames());
    }

    @Test
    void badVariablesAreNamed() {
        assertThatThrownBy(() -> load(Map.of("EDGEINSPECT__STREAMS__5__URL", "x")))
                .hasMessageContaining("EDGEINSPECT__STREAMS__5__URL").hasMessageContaining("not an index");
        assertThatThrownBy(() -> load(Map.of("EDGEINSPECT__MQTT__URL__HOST", "x")))
                .hasMessageContaining("EDGEINSPECT__MQTT__URL__HOST");
        assertThatThrownBy(() -> load(Map.of("EDGEINSPECT__MQTT__COLOUR", "red")))
                .hasMessageContaining("mqtt: unknown key 'colour'");
    }
}
