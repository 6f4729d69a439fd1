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

    /** The model offered to this device (retained by the shipper). */
    public String modelOffer() {
        return prefix + "/model/offer";
    }

    /** Chunks of the bundle with this SHA-256, sent on the device's request. */
    public String modelChunk(String bundleSha256) {
        return prefix + "/model/chunk/" + bundleSha256;
    }

    /** Every chunk topic of this device (a subscription filter). */
    public String modelChunks() {
        return modelChunk("+");
    }

    /** The installation state machine, retained. */
    public String modelState() {
        return prefix + "/model/state";
    }

    /**
     * Where a device answers a command from {@code client}: under the device's own prefix, so a device that may only
     * publish there (the example ACL) can still answer.
     */
    public String replies(String client) {
        return prefix + "/reply/" + client;
    }

    /** A command to this device (e.g. {@code rollback}); answers go to the request's MQTT 5 response topic. */
    public String command(String name) {
        return prefix + "/cmd/" + name;
    }

    public String commands() {
        return command("+");
    }

    /** The model offered to every device of a fleet group (retained by the shipper). */
    public static String fleetOffer(String group) {
        if (!group.matches("[A-Za-z0-9_.-]{1,64}")) {
            throw new IllegalArgumentException("fleet group '" + group + "' must be 1-64 of A-Z a-z 0-9 _ . -");
        }
        return "fleet/" + group + "/model/offer";
    }

    /** A subscription filter for {@code suffix} (e.g. {@code model/state}) of every device under a prefix template. */
    public static String everyDevice(String prefixTemplate, String suffix) {
        return prefixTemplate.replace("{deviceId}", "+") + "/" + suffix;
    }

    /** Periodic per-stream fps, latency and drops. QoS 0. */
    public String stats() {
        return prefix + "/stats";
    }
}
