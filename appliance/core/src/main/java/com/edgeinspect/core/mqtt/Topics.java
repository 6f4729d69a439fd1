package com.edgeinspect.core.mqtt;

/**
 * The MQTT topic layout shared by the appliance and the trainer, in one place. A device lives under its prefix
 * (default {@code inspection/{deviceId}}); see the table in {@code README.md}.
 */
public record Topics(String prefix) {

    public static final String DEFAULT_PREFIX = "inspection/{deviceId}";

    public Topics {
        if (prefix.isEmpty() || prefix.endsWith("/") || prefix.contains("+") || prefix.contains("#")) {
            throw new IllegalArgumentException("topic prefix '" + prefix + "' must be non-empty, without wildcards "
                    + "and without a trailing '/'");
        }
    }

    /** Topics of one device, with {@code {deviceId}} in the prefix template replaced. */
    public static Topics of(String prefixTemplate, String deviceId) {
        return new Topics(prefixTemplate.replace("{deviceId}", deviceId));
    }

    /** Retained online/offline state (also the last will), versions, active model, uptime. QoS 1. */
    public String status() {
        return prefix + "/status";
    }

    /** Alert events (new/update/end). QoS 1, not retained. */
    public String alerts() {
        return prefix + "/alerts";
    }

    /** JPEG snapshot of an alert. */
    public String snapshot(String alertId) {
        return prefix + "/alerts/" + alertId + "/snapshot";
    }

    /** Periodic per-stream fps, latency and drops. QoS 0. */
    public String stats() {
        return prefix + "/stats";
    }
}
