package com.edgeinspect.appliance.install;

import com.edgeinspect.core.io.AtomicFiles;
import com.edgeinspect.core.ship.ModelState.Step;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The install this device is on (or last finished), kept in {@code install.json} (written atomically), so a
 * restarted device neither repeats a decision (a rejected or rolled-back bundle stays out although its offer is still
 * retained) nor forgets an install it was in the middle of.
 *
 * @param offerId the offer acted on (null for a bundle installed by hand)
 * @param offerTime its issue time; older offers are stale
 * @param step the {@code ModelState} step reached
 * @param healthy for an active bundle: whether it passed its probation
 */
record InstallRecord(String offerId, String offerTime, String sha256, String name, String version, String step,
        String reason, boolean healthy) {

    private static final ObjectMapper JSON = new ObjectMapper()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    /** The record in {@code file}, or null if it is absent or unreadable (then every offer is new). */
    static InstallRecord read(Path file) {
        try {
            InstallRecord r = JSON.readValue(Files.readAllBytes(file), InstallRecord.class);
            Step.of(r.step());
            return r;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    void write(Path file) throws IOException {
        AtomicFiles.write(file, JSON.writeValueAsBytes(this));
    }

    Step stepValue() {
        return Step.of(step);
    }

    InstallRecord at(Step next, String why) {
        return new InstallRecord(offerId, offerTime, sha256, name, version, next.wire(), why, false);
    }

    InstallRecord passed() {
        return new InstallRecord(offerId, offerTime, sha256, name, version, step, reason, true);
    }
}
