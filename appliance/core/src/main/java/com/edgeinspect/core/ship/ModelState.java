package com.edgeinspect.core.ship;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.List;
import java.util.Locale;

/**
 * A device's model installation, retained on {@code model/state} (schema {@code schemas/model-state.schema.json}).
 * Every message names the model that serves right now, whatever the installation is doing.
 *
 * @param offer the offer being installed (null when none)
 * @param name the offered model's name and {@code version} and bundle {@code sha256}
 * @param reason why it was rejected or rolled back
 * @param received chunks received of {@code count}; {@code missing} lists the absent ones as [first, last] ranges:
 *     the device's request for them
 * @param healthy after {@code active}: true once the new model passed its probation
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ModelState(String state, String device, String time, String offer, String name, String version,
        String sha256, String reason, Integer received, Integer count, List<List<Integer>> missing, Boolean healthy,
        Serving serving) {

    /** The installation's steps, in order ({@code shadow} only where configured); the last three end it. */
    public enum Step {
        IDLE, OFFERED, RECEIVING, VERIFIED, STAGED, WARMING, SHADOW, ACTIVE, REJECTED, ROLLED_BACK;

        public String wire() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }

        public static Step of(String wire) {
            return valueOf(wire.toUpperCase(Locale.ROOT).replace('-', '_'));
        }

        public boolean done() {
            return this == ACTIVE || this == REJECTED || this == ROLLED_BACK;
        }
    }

    /** The model that serves. */
    public record Serving(String name, String version, String sha256) {}

    private static final ObjectMapper JSON = new ObjectMapper()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    public Step step() {
        return Step.of(state);
    }

    public byte[] toJson() {
        try {
            return JSON.writeValueAsBytes(this);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Reads a state message (tolerant of fields added later); null if it is not one. */
    public static ModelState parse(byte[] json) {
        try {
            ModelState s = JSON.readValue(json, ModelState.class);
            if (s == null || s.state() == null || s.device() == null) {
                return null;
            }
            Step.of(s.state());
            return s;
        } catch (IOException | IllegalArgumentException e) {
            return null;
        }
    }
}
