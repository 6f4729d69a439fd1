package com.edgeinspect.appliance.install;

import com.edgeinspect.appliance.config.ApplianceConfig;
import java.util.List;
import java.util.Locale;

/**
 * A newly promoted model's first minutes: checked once a second against the configured bounds (frames failing,
 * inference slower than {@code max_inference_ms}, new alerts above {@code max_alerts_per_minute}). Three failed
 * checks in a row condemn it (one slow frame is not a trend); {@code probation_seconds} without that clears it.
 */
public final class Probation {

    /**
     * The live signals probation watches.
     *
     * @param failing streams whose frames fail, with the error
     * @param slowestInferenceMs the slowest stream's last inference time
     * @param newAlerts new alerts raised since start (a counter)
     */
    public record Health(List<String> failing, double slowestInferenceMs, long newAlerts) {}

    /** Where a check leaves the model. */
    record Verdict(boolean passed, String failed) {}

    private static final long SECOND = 1_000_000_000L;
    private static final int STRIKES = 3;

    private final ApplianceConfig.Install settings;
    private final long start;
    private final long alertsAtStart;
    private int strikes;

    Probation(ApplianceConfig.Install settings, Health now, long nowNanos) {
        this.settings = settings;
        this.start = nowNanos;
        this.alertsAtStart = now.newAlerts();
    }

    /** One check: failed names the problem after three bad checks in a row; passed once the time is served. */
    Verdict check(Health h, long nowNanos) {
        double minutes = Math.max(1, (nowNanos - start) / (60.0 * SECOND));
        long alerts = h.newAlerts() - alertsAtStart;
        String problem = !h.failing().isEmpty() ? "frames fail: " + h.failing()
                : h.slowestInferenceMs() > settings.maxInferenceMs()
                        ? String.format(Locale.ROOT, "inference takes %.0f ms, over the bound of %d ms",
                                h.slowestInferenceMs(), settings.maxInferenceMs())
                        : alerts > settings.maxAlertsPerMinute() * minutes
                                ? alerts + " new alerts, over the bound of " + settings.maxAlertsPerMinute()
                                        + " a minute"
                                : null;
        strikes = problem == null ? 0 : strikes + 1;
        if (strikes >= STRIKES) {
            strikes = 0;
            return new Verdict(false, problem);
        }
        return new Verdict(nowNanos - start >= settings.probationSeconds() * SECOND, null);
    }
}
