package com.edgeinspect.appliance.config;

import com.edgeinspect.core.mqtt.Topics;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.InputStream;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The appliance's configuration: one immutable record per YAML section, validated at load. Unknown keys are errors;
 * every error names the key path (e.g. {@code streams[1].url}). Runtime code receives these records, never maps.
 */
public record ApplianceConfig(Device device, Mqtt mqtt, Http http, List<Stream> streams) {

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);

    /** Invalid configuration: the message starts with the key path. */
    public static final class Invalid extends IOException {
        public Invalid(String message) {
            super(message);
        }
    }

    /** @param id this box's name, unique in the fleet; used in MQTT topics and client id */
    public record Device(String id) {}

    /**
     * @param url broker, e.g. {@code tcp://broker:1883}
     * @param prefix topic prefix template; {@code {deviceId}} is replaced
     * @param embeddedBroker run a broker inside the appliance (demo and tests)
     */
    public record Mqtt(String url, String prefix, EmbeddedBroker embeddedBroker, int statsIntervalSeconds) {}

    /** @param port 0 disables it */
    public record EmbeddedBroker(boolean enabled, String bindAddress, int port) {}

    public record Http(String bindAddress, int port) {}

    /**
     * @param name short identifier used in metrics, topics and the web page
     * @param url file path, rtsp://, http://, udp:// or /dev/videoN
     * @param loop restart a file at its end (demo, soak)
     * @param realtime pace a file at its frame rate, as a camera would deliver it
     */
    public record Stream(String name, String url, boolean loop, Boolean realtime) {
        public boolean paced() {
            return realtime == null || realtime;
        }
    }

    public Topics topics() {
        return Topics.of(mqtt.prefix(), device.id());
    }

    public static ApplianceConfig load(InputStream in, String source) throws Invalid {
        ApplianceConfig c;
        try {
            c = YAML.readValue(in, ApplianceConfig.class);
        } catch (UnrecognizedPropertyException e) {
            // Name the section holding the unknown key.
            throw new Invalid(source + ": " + path(e.getPath().subList(0, e.getPath().size() - 1)) + ": unknown key '" + e.getPropertyName() + "'; valid: "
                    + e.getKnownPropertyIds().stream().map(Object::toString).sorted().collect(Collectors.joining(", ")));
        } catch (JsonMappingException e) {
            throw new Invalid(source + ": " + path(e.getPath()) + ": " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new Invalid(source + ": " + e.getMessage());
        }
        if (c == null) {
            throw new Invalid(source + ": empty configuration");
        }
        c.validate(source);
        return c;
    }

    private static String path(List<JsonMappingException.Reference> refs) {
        StringBuilder sb = new StringBuilder();
        for (JsonMappingException.Reference r : refs) {
            if (r.getIndex() >= 0) {
                sb.append('[').append(r.getIndex()).append(']');
            } else {
                sb.append(sb.length() == 0 ? "" : ".").append(PropertyNamingStrategies.SnakeCaseStrategy.INSTANCE
                        .translate(r.getFieldName()));
            }
        }
        return sb.length() == 0 ? "(root)" : sb.toString();
    }

    private void validate(String source) throws Invalid {
        require(device != null && device.id() != null && device.id().matches("[A-Za-z0-9_.-]{1,64}"), source,
                "device.id", "must be 1-64 of A-Z a-z 0-9 _ . -");
        require(mqtt != null && mqtt.url() != null && mqtt.url().matches("(tcp|ssl)://[^\\s]+:\\d+"), source,
                "mqtt.url", "must look like tcp://host:port or ssl://host:port");
        require(mqtt.prefix() != null, source, "mqtt.prefix", "is required (default " + Topics.DEFAULT_PREFIX + ")");
        try {
            topics();
        } catch (IllegalArgumentException e) {
            throw new Invalid(source + ": mqtt.prefix: " + e.getMessage());
        }
        require(mqtt.statsIntervalSeconds() >= 1 && mqtt.statsIntervalSeconds() <= 3600, source,
                "mqtt.stats_interval_seconds", "must be in [1, 3600]");
        if (mqtt.embeddedBroker() != null && mqtt.embeddedBroker().enabled()) {
            port(mqtt.embeddedBroker().port(), source, "mqtt.embedded_broker.port");
        }
        require(http != null, source, "http", "is required");
        port(http.port(), source, "http.port");
        require(streams != null && !streams.isEmpty(), source, "streams", "needs at least one stream");
        Set<String> names = new HashSet<>();
        for (int i = 0; i < streams.size(); i++) {
            Stream s = streams.get(i);
            String at = "streams[" + i + "]";
            require(s.name() != null && s.name().matches("[A-Za-z0-9_-]{1,32}"), source, at + ".name",
                    "must be 1-32 of A-Z a-z 0-9 _ -");
            require(names.add(s.name()), source, at + ".name", "duplicate stream name '" + s.name() + "'");
            require(s.url() != null && !s.url().isBlank(), source, at + ".url", "is required");
        }
    }

    private static void port(int port, String source, String key) throws Invalid {
        require(port >= 0 && port <= 65535, source, key, "must be a port in [0, 65535], got " + port);
    }

    private static void require(boolean ok, String source, String key, String message) throws Invalid {
        if (!ok) {
            throw new Invalid(source + ": " + key + ": " + message);
        }
    }
}
