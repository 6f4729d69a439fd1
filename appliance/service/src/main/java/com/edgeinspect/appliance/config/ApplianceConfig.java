package com.edgeinspect.appliance.config;

import com.edgeinspect.appliance.alert.AlertPolicy;
import com.edgeinspect.appliance.track.Tracker;
import com.edgeinspect.core.bundle.Manifest;
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
public record ApplianceConfig(Device device, Mqtt mqtt, Http http, Model model, Install install, Tracking tracking,
        Alerts alerts, Storage storage, List<Stream> streams) {

    public ApplianceConfig {
        model = model != null ? model : new Model(null, null, null, null, null, null, null, null, null, null, null);
        install = install != null ? install : new Install(null, null, null, null, null, null, null, null);
        tracking = tracking != null ? tracking : new Tracking(null, null, null, null);
        alerts = alerts != null ? alerts : new Alerts(null, null, null, null, null);
        storage = storage != null ? storage : new Storage(null, null, null);
    }

    /** Environment variables that override keys: {@code EDGEINSPECT__MQTT__URL}, {@code EDGEINSPECT__STREAMS__0__URL}. */
    public static final String ENV_PREFIX = "EDGEINSPECT__";

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

    /**
     * @param id this box's name, unique in the fleet; used in MQTT topics and client id
     * @param groups fleet groups whose model offers this box follows (e.g. a line, a canary group)
     * @param production refuse what is only fit for a bench: plain-TCP MQTT, unsigned bundles, an HTTP API without a
     *     token, an embedded broker
     */
    public record Device(String id, List<String> groups, Boolean production) {
        public Device {
            groups = groups != null ? List.copyOf(groups) : List.of();
            production = production != null && production;
        }
    }

    /**
     * @param url broker, e.g. {@code tcp://broker:1883}
     * @param prefix topic prefix template; {@code {deviceId}} is replaced
     * @param embeddedBroker run a broker inside the appliance (demo and tests)
     */
    public record Mqtt(String url, String prefix, EmbeddedBroker embeddedBroker, int statsIntervalSeconds,
            String username, String passwordFile, Tls tls) {}

    /**
     * TLS for {@code ssl://} brokers.
     *
     * @param caFile PEM certificates of the CAs that may sign the broker's certificate
     * @param certFile this box's PEM certificate chain, for brokers that require client certificates
     * @param keyFile its PKCS#8 PEM private key (owner-only)
     */
    public record Tls(String caFile, String certFile, String keyFile) {}

    /** @param port 0 disables it */
    public record EmbeddedBroker(boolean enabled, String bindAddress, int port) {}

    /** @param tokenFile a file holding the bearer token every endpoint but {@code /health} requires (owner-only) */
    public record Http(String bindAddress, int port, String tokenFile) {}

    /**
     * The model the appliance starts with and how it runs.
     *
     * @param bundle the signed bundle (.vimodel) to serve until another is installed
     * @param trustedKeys public keys (PEM) whose signatures are accepted
     * @param allowUnsigned accept bundles without a signature (development only)
     * @param providers execution providers to try in order: tensorrt, cuda, cpu
     * @param threads intra-op threads of the CPU provider
     * @param fp16 let TensorRT build fp16 engines
     * @param engineCache directory for TensorRT engines (built once per model, ORT, TensorRT and device)
     * @param workspaceMb TensorRT's build workspace
     * @param smokeMaxMs the slowest golden case a model may take in its smoke test
     * @param earlyExit run a model's early-exit form when its bundle has one (frames its gate calls clean skip the
     *     second graph); false runs the whole graph on every frame
     */
    public record Model(String bundle, List<String> trustedKeys, Boolean allowUnsigned, Integer maxBundleMb,
            List<String> providers, Integer threads, Boolean fp16, String engineCache, Integer workspaceMb,
            Integer smokeMaxMs, Boolean earlyExit) {
        public Model {
            bundle = bundle != null ? bundle : "models/default.vimodel";
            trustedKeys = trustedKeys != null ? List.copyOf(trustedKeys) : List.of();
            allowUnsigned = allowUnsigned != null && allowUnsigned;
            maxBundleMb = maxBundleMb != null ? maxBundleMb : 256;
            providers = providers != null ? List.copyOf(providers) : List.of("tensorrt", "cuda", "cpu");
            threads = threads != null ? threads : Math.max(1, Runtime.getRuntime().availableProcessors());
            fp16 = fp16 == null || fp16;
            engineCache = engineCache != null ? engineCache : "state/engines";
            workspaceMb = workspaceMb != null ? workspaceMb : 1024;
            smokeMaxMs = smokeMaxMs != null ? smokeMaxMs : 2000;
            earlyExit = earlyExit == null || earlyExit;
        }
    }

    /**
     * How models shipped over MQTT are received and watched.
     *
     * @param requestIntervalSeconds ask again for missing chunks after this long without one
     * @param transferTimeoutSeconds give up on a transfer that made no progress for this long
     * @param probationSeconds after a swap, watch the new model this long before calling it healthy
     * @param maxInferenceMs on probation: inference slower than this (on any stream) rolls the model back
     * @param maxAlertsPerMinute on probation: more new alerts than this rolls the model back
     * @param shadowFrames before a new model serves, run it beside the serving one on this many live frames (0: off)
     * @param shadowEvery shadow every n-th frame
     * @param shadowMinAgreement the share of detections both models must agree on for the new one to serve
     */
    public record Install(Integer requestIntervalSeconds, Integer transferTimeoutSeconds, Integer probationSeconds,
            Integer maxInferenceMs, Integer maxAlertsPerMinute, Integer shadowFrames, Integer shadowEvery,
            Double shadowMinAgreement) {
        public Install {
            shadowFrames = shadowFrames != null ? shadowFrames : 0;
            shadowEvery = shadowEvery != null ? shadowEvery : 5;
            shadowMinAgreement = shadowMinAgreement != null ? shadowMinAgreement : 0.8;
            requestIntervalSeconds = requestIntervalSeconds != null ? requestIntervalSeconds : 5;
            transferTimeoutSeconds = transferTimeoutSeconds != null ? transferTimeoutSeconds : 120;
            probationSeconds = probationSeconds != null ? probationSeconds : 60;
            maxInferenceMs = maxInferenceMs != null ? maxInferenceMs : 1000;
            maxAlertsPerMinute = maxAlertsPerMinute != null ? maxAlertsPerMinute : 120;
        }
    }

    /**
     * @param maxSpeedPx the fastest a part moves, pixels per frame
     * @param tolerancePx how far a detection may stray from its track's prediction
     * @param lostAfterFrames frames without a sighting after which a track ends
     * @param beltMotion every part in view moves alike (one belt), so tracks predict with the velocity learnt from all
     *     of them; false where parts move each their own way
     */
    public record Tracking(Double maxSpeedPx, Double tolerancePx, Integer lostAfterFrames, Boolean beltMotion) {
        public Tracking {
            maxSpeedPx = maxSpeedPx != null ? maxSpeedPx : 40.0;
            tolerancePx = tolerancePx != null ? tolerancePx : 16.0;
            lostAfterFrames = lostAfterFrames != null ? lostAfterFrames : 12;
            beltMotion = beltMotion != null ? beltMotion : true;
        }

        public Tracker.Settings settings() {
            return new Tracker.Settings(maxSpeedPx, tolerancePx, lostAfterFrames, beltMotion);
        }
    }

    /**
     * @param confirmHits sightings before a defect raises an alert
     * @param confirmFrames stream frames a defect's sightings must span before it raises an alert
     * @param confirmRate share of the processed frames since a defect's first sighting in which it must be seen
     * @param groupRadiusPx defects this close to an open alert belong to the same part
     * @param cooldownFrames frames after a part's last sighting before its alert ends
     */
    public record Alerts(Integer confirmHits, Integer confirmFrames, Double confirmRate, Double groupRadiusPx,
            Integer cooldownFrames) {
        public Alerts {
            // Chosen on replays of eight annotated clips at 1, 3 and 6 frames in 6 (BENCHMARKS.md): a count of four
            // sightings alone lost a fifth of the defects at 1 in 6 and confirmed flicker at every frame. A span of six
            // frames (a fifth of a second), not four, since the int8 detector runs every second frame on a CPU box:
            // false pits seen for four frames there alerted.
            confirmHits = confirmHits != null ? confirmHits : 2;
            confirmFrames = confirmFrames != null ? confirmFrames : 6;
            confirmRate = confirmRate != null ? confirmRate : 0.5;
            groupRadiusPx = groupRadiusPx != null ? groupRadiusPx : 250.0;
            // Two seconds at 30 fps: a faint defect the detector skips for a second keeps its alert (the belt's motion
            // keeps the alert's predicted position on its part meanwhile).
            cooldownFrames = cooldownFrames != null ? cooldownFrames : 60;
        }

        public AlertPolicy.Settings settings() {
            return new AlertPolicy.Settings(confirmHits, confirmFrames, confirmRate, groupRadiusPx, cooldownFrames);
        }
    }

    /**
     * @param dir the appliance's state: spool, event store, installed bundles
     * @param spoolMaxMessages alerts kept while the broker is unreachable; beyond it the oldest are dropped
     * @param eventsMax recent alerts (with snapshots) kept for the web page and API
     */
    public record Storage(String dir, Integer spoolMaxMessages, Integer eventsMax) {
        public Storage {
            dir = dir != null ? dir : "state";
            spoolMaxMessages = spoolMaxMessages != null ? spoolMaxMessages : 10_000;
            eventsMax = eventsMax != null ? eventsMax : 500;
        }
    }

    /** A rectangle of the frame, in pixels. */
    public record Rect(int x, int y, int width, int height) {}

    /**
     * An area of the frame: detections whose centre lies inside count (or, for {@code exclude}, are ignored).
     *
     * @param polygon at least three [x, y] points in frame pixels
     */
    public record Zone(String name, List<List<Double>> polygon, Boolean exclude) {
        public Zone {
            exclude = exclude != null && exclude;
        }
    }

    /**
     * @param name short identifier used in metrics, topics and the web page
     * @param url file path, rtsp://, http://, udp:// or /dev/videoN
     * @param loop restart a file at its end (demo, soak)
     * @param realtime pace a file at its frame rate, as a camera would deliver it
     * @param roi the part of the frame the detector sees (default: all of it); smaller is faster
     * @param zones named areas; with any include zone, detections outside all include zones are ignored
     * @param detectionThreshold overrides the model's detection threshold for this stream
     * @param alertThreshold overrides the model's alert threshold for this stream
     * @param gateThreshold overrides an early-exit model's gate threshold for this stream (set on the bundle from
     *     calibration footage; a line whose clean parts look different may need its own)
     * @param decoder {@code ffmpeg} (default), or {@code avdec_h264} / {@code nvv4l2decoder} to decode with GStreamer
     */
    public record Stream(String name, String url, Boolean loop, Boolean realtime, Rect roi, List<Zone> zones,
            Double detectionThreshold, Double alertThreshold, Double gateThreshold, String decoder) {
        /** FFmpeg through JavaCV: every kind of source. */
        public static final String FFMPEG = "ffmpeg";
        /** GStreamer H.264 decoder elements: software (any machine) and the Jetson's hardware decoder. */
        public static final List<String> GSTREAMER = List.of("avdec_h264", "nvv4l2decoder");

        public Stream {
            loop = loop != null && loop;
            zones = zones != null ? List.copyOf(zones) : List.of();
            decoder = decoder != null ? decoder : FFMPEG;
        }

        /** The score a detection needs on this stream: its override, else the model's. */
        public double detectionThreshold(Manifest.Thresholds model) {
            return detectionThreshold != null ? detectionThreshold : model.detection();
        }

        /** The mean score a track needs to raise an alert on this stream: its override, else the model's. */
        public double alertThreshold(Manifest.Thresholds model) {
            return alertThreshold != null ? alertThreshold : model.alert();
        }

        /** The gate score below which a frame exits on this stream: its override, else the model's. */
        public float gateThreshold(float model) {
            return gateThreshold != null ? gateThreshold.floatValue() : model;
        }

        /**
         * The part of a {@code frameWidth x frameHeight} frame the detector sees: the region of interest, moved and cut
         * to fit the frame (a camera may come back at another resolution), else the whole frame.
         */
        public Rect region(int frameWidth, int frameHeight) {
            if (roi == null) {
                return new Rect(0, 0, frameWidth, frameHeight);
            }
            int x = Math.min(roi.x(), frameWidth - 16);
            int y = Math.min(roi.y(), frameHeight - 16);
            return new Rect(x, y, Math.min(roi.width(), frameWidth - x), Math.min(roi.height(), frameHeight - y));
        }

        public boolean paced() {
            return realtime == null || realtime;
        }
    }

    public Topics topics() {
        return Topics.of(mqtt.prefix(), device.id());
    }

    public static ApplianceConfig load(InputStream in, String source) throws Invalid {
        return load(in, source, System.getenv());
    }

    /** Loads a file with {@code EDGEINSPECT__...} variables from {@code env} applied over it. */
    public static ApplianceConfig load(InputStream in, String source, java.util.Map<String, String> env) throws Invalid {
        ApplianceConfig c;
        try {
            com.fasterxml.jackson.databind.JsonNode tree = YAML.readTree(in);
            if (tree == null || tree.isMissingNode() || tree.isNull()) {
                throw new Invalid(source + ": empty configuration");
            }
            EnvOverrides.apply(tree, env, ENV_PREFIX, YAML);
            c = YAML.treeToValue(tree, ApplianceConfig.class);
        } catch (UnrecognizedPropertyException e) {
            // Name the section holding the unknown key.
            throw new Invalid(source + ": " + path(e.getPath().subList(0, e.getPath().size() - 1)) + ": unknown key '" + e.getPropertyName() + "'; valid: "
                    + e.getKnownPropertyIds().stream().map(Object::toString).sorted().collect(Collectors.joining(", ")));
        } catch (JsonMappingException e) {
            String why = e.getOriginalMessage().startsWith("Cannot map `null`") ? "is required" : e.getOriginalMessage();
            throw new Invalid(source + ": " + path(e.getPath()) + ": " + why);
        } catch (Invalid e) {
            throw e;
        } catch (IllegalArgumentException e) {
            throw new Invalid(source + ": " + e.getMessage());
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
        for (String g : device.groups()) {
            try {
                Topics.fleetOffer(g);
            } catch (IllegalArgumentException e) {
                throw new Invalid(source + ": device.groups: " + e.getMessage());
            }
        }
        require(mqtt != null && mqtt.url() != null && mqtt.url().matches("(tcp|ssl)://[^\\s]+:\\d+"), source,
                "mqtt.url", "must look like tcp://host:port or ssl://host:port");
        require(mqtt.prefix() != null, source, "mqtt.prefix", "is required, e.g. " + Topics.DEFAULT_PREFIX
                + " (the trainer's --prefix default)");
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
        if (mqtt.tls() != null) {
            require(mqtt.url().startsWith("ssl://"), source, "mqtt.tls", "needs an ssl:// url");
            require(mqtt.tls().caFile() != null, source, "mqtt.tls.ca_file", "is required");
            require((mqtt.tls().certFile() == null) == (mqtt.tls().keyFile() == null), source, "mqtt.tls",
                    "cert_file and key_file go together");
        }
        require((mqtt.username() == null) == (mqtt.passwordFile() == null), source, "mqtt",
                "username and password_file go together");
        require(http != null, source, "http", "is required");
        if (device.production()) {
            require(mqtt.url().startsWith("ssl://") && mqtt.tls() != null, source, "mqtt.url",
                    "production needs ssl:// with mqtt.tls (plain TCP would expose alerts and models)");
            require(mqtt.username() != null || mqtt.tls().certFile() != null, source, "mqtt",
                    "production needs credentials: username/password_file or a client certificate");
            require(mqtt.embeddedBroker() == null || !mqtt.embeddedBroker().enabled(), source,
                    "mqtt.embedded_broker", "is for demos and tests, not production");
            require(http.tokenFile() != null, source, "http.token_file", "production needs an API token");
        }
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
            if (s.roi() != null) {
                require(s.roi().x() >= 0 && s.roi().y() >= 0 && s.roi().width() >= 16 && s.roi().height() >= 16,
                        source, at + ".roi", "needs x, y >= 0 and width, height >= 16");
            }
            for (int z = 0; z < s.zones().size(); z++) {
                Zone zone = s.zones().get(z);
                String zat = at + ".zones[" + z + "]";
                require(zone.name() != null && !zone.name().isBlank(), source, zat + ".name", "is required");
                require(zone.polygon() != null && zone.polygon().size() >= 3
                        && zone.polygon().stream().allMatch(p -> p != null && p.size() == 2), source,
                        zat + ".polygon", "needs at least three [x, y] points");
            }
            require(s.decoder().equals(Stream.FFMPEG) || Stream.GSTREAMER.contains(s.decoder()), source,
                    at + ".decoder", "must be " + Stream.FFMPEG + " or a GStreamer decoder: " + Stream.GSTREAMER);
            require(s.decoder().equals(Stream.FFMPEG) || !s.url().contains("://") || s.url().startsWith("rtsp://"),
                    source, at + ".decoder", "GStreamer decodes files and rtsp:// streams; use ffmpeg for " + s.url());
            threshold(s.detectionThreshold(), source, at + ".detection_threshold");
            threshold(s.alertThreshold(), source, at + ".alert_threshold");
            threshold(s.gateThreshold(), source, at + ".gate_threshold");
        }
        require(model.providers().stream().allMatch(p -> List.of("tensorrt", "cuda", "cpu").contains(p))
                && !model.providers().isEmpty(), source, "model.providers", "must list tensorrt, cuda and/or cpu");
        require(model.threads() >= 1 && model.threads() <= 64, source, "model.threads", "must be in [1, 64]");
        require(model.maxBundleMb() >= 1, source, "model.max_bundle_mb", "must be at least 1");
        require(!model.trustedKeys().isEmpty() || model.allowUnsigned(), source, "model.trusted_keys",
                "needs at least one public key (or allow_unsigned: true for development)");
        require(!(device.production() && model.allowUnsigned()), source, "model.allow_unsigned",
                "production accepts signed bundles only");
        require(model.smokeMaxMs() >= 1, source, "model.smoke_max_ms", "must be at least 1");
        require(install.requestIntervalSeconds() >= 1 && install.transferTimeoutSeconds() > install.requestIntervalSeconds()
                && install.probationSeconds() >= 0 && install.maxInferenceMs() >= 1 && install.maxAlertsPerMinute() >= 1,
                source, "install", "request_interval_seconds >= 1, transfer_timeout_seconds above it, "
                        + "probation_seconds >= 0, max_inference_ms and max_alerts_per_minute >= 1");
        require(install.shadowFrames() >= 0 && install.shadowEvery() >= 1 && install.shadowMinAgreement() >= 0
                && install.shadowMinAgreement() <= 1, source, "install", "shadow_frames >= 0, shadow_every >= 1, "
                        + "shadow_min_agreement in [0, 1]");
        require(tracking.maxSpeedPx() >= 0 && tracking.tolerancePx() >= 0 && tracking.lostAfterFrames() >= 1, source,
                "tracking", "max_speed_px, tolerance_px >= 0 and lost_after_frames >= 1");
        require(alerts.confirmHits() >= 1 && alerts.confirmFrames() >= 0 && alerts.confirmRate() >= 0
                && alerts.confirmRate() <= 1 && alerts.groupRadiusPx() >= 0 && alerts.cooldownFrames() >= 0, source,
                "alerts", "confirm_hits >= 1, confirm_frames >= 0, 0 <= confirm_rate <= 1, group_radius_px >= 0, "
                + "cooldown_frames >= 0");
        require(storage.spoolMaxMessages() >= 10 && storage.eventsMax() >= 1, source, "storage",
                "spool_max_messages >= 10 and events_max >= 1");
    }

    private static void threshold(Double t, String source, String key) throws Invalid {
        require(t == null || (t > 0 && t < 1), source, key, "must be in (0, 1)");
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
