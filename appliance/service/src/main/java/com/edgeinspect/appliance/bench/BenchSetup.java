package com.edgeinspect.appliance.bench;

import com.edgeinspect.appliance.config.ApplianceConfig;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** The appliance as the benchmarks run it: one clip looping at camera pace, an embedded broker, the CPU provider. */
final class BenchSetup {

    private BenchSetup() {}

    /** This process's resident memory, kB. */
    static long rssKb() throws IOException {
        return rssKb(ProcessHandle.current().pid());
    }

    /** A process's resident memory, kB. */
    static long rssKb(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("\\D", ""));
            }
        }
        return 0;
    }

    /**
     * Keys the benchmarks trust: the demo key, and the public keys named in {@code TRUSTED_KEYS} (comma-separated),
     * so that a bundle signed with your own key (trainer keys) can be measured too.
     */
    static List<String> trustedKeys(String... more) {
        List<String> keys = new java.util.ArrayList<>(List.of("models/demo-signing.pub"));
        for (String k : System.getenv().getOrDefault("TRUSTED_KEYS", "").split(",")) {
            if (!k.isBlank()) {
                keys.add(k.trim());
            }
        }
        keys.addAll(List.of(more));
        return keys;
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** @param install the {@code install} section as YAML flow, e.g. {@code {probation_seconds: 1}} */
    static ApplianceConfig config(String device, Path clip, Path state, int brokerPort, List<String> trustedKeys,
            String install) throws ApplianceConfig.Invalid {
        return config(device, List.of(clip), state, brokerPort, trustedKeys, install);
    }

    /** One stream per clip, named line1, line2, ..., looping at camera pace; the bundled model. */
    static ApplianceConfig config(String device, List<Path> clips, Path state, int brokerPort,
            List<String> trustedKeys, String install) throws ApplianceConfig.Invalid {
        return config(device, clips, state, brokerPort, trustedKeys, install, "bundle: models/default.vimodel", true, "");
    }

    /**
     * @param model the {@code model} section's keys besides keys and providers, as YAML flow entries, e.g.
     *     {@code bundle: B, early_exit: false}
     * @param loop play the clips over and over, else once
     * @param sections more top-level sections, YAML lines (e.g. {@code tracking: {max_speed_px: 100}}), and
     *     environment overrides, one {@code EDGEINSPECT__KEY=VALUE} a line, which reach into the streams too (e.g.
     *     {@code EDGEINSPECT__STREAMS__0__DETECTION_THRESHOLD=0.25})
     */
    static ApplianceConfig config(String device, List<Path> clips, Path state, int brokerPort,
            List<String> trustedKeys, String install, String model, boolean loop, String sections)
            throws ApplianceConfig.Invalid {
        return setup(device, clips, state, brokerPort, trustedKeys, install, model, loop, sections).load();
    }

    /** The same configuration as a box reads it: a YAML file's text and the environment's overrides. */
    static Setup setup(String device, List<Path> clips, Path state, int brokerPort, List<String> trustedKeys,
            String install, String model, boolean loop, String sections) {
        Map<String, String> env = new java.util.HashMap<>();
        StringBuilder yamlSections = new StringBuilder();
        for (String line : sections.split("\n")) {
            if (line.matches("EDGEINSPECT__\\S+=.*")) {
                env.put(line.substring(0, line.indexOf('=')), line.substring(line.indexOf('=') + 1).trim());
            } else {
                yamlSections.append(line).append('\n');
            }
        }
        StringBuilder streams = new StringBuilder();
        for (int i = 0; i < clips.size(); i++) {
            streams.append("  - {name: line").append(i + 1).append(", url: \"").append(clips.get(i))
                    .append("\", loop: ").append(loop).append(", realtime: true}\n");
        }
        String yaml = """
                device: {id: %s}
                mqtt: {url: "tcp://127.0.0.1:%d", prefix: "bench/{deviceId}", stats_interval_seconds: 5,
                       embedded_broker: {enabled: true, bind_address: 127.0.0.1, port: %d}}
                http: {bind_address: 127.0.0.1, port: 0}
                model: {%s, trusted_keys: %s, providers: [cpu]}
                install: %s
                storage: {dir: "%s"}
                %s
                streams:
                """.formatted(device, brokerPort, brokerPort, model, trustedKeys, install, state, yamlSections) + streams;
        return new Setup(yaml, env);
    }

    /** A configuration's YAML text and its {@code EDGEINSPECT__} environment overrides. */
    record Setup(String yaml, Map<String, String> env) {

        ApplianceConfig load() throws ApplianceConfig.Invalid {
            return ApplianceConfig.load(new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8)), "benchmark",
                    env);
        }
    }
}
