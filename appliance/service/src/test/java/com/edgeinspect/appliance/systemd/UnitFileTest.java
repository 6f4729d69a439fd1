package com.edgeinspect.appliance.systemd;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The service unit as systemd reads it: {@code systemd-analyze verify} passes (on a copy whose ExecStart points at
 * an executable this machine has, the only change) and {@code systemd-analyze security} rates its exposure low.
 */
class UnitFileTest {

    static final Path UNIT = Path.of("../../systemd/edgeinspect-appliance.service");

    @TempDir
    Path tmp;

    @Test
    void theUnitVerifies() throws Exception {
        Path copy = tmp.resolve("edgeinspect-appliance.service");
        Files.writeString(copy, Files.readString(UNIT).replaceAll("(?m)^ExecStart=.*$", "ExecStart=/bin/true")
                .replaceAll("(?m)^WorkingDirectory=.*$", "WorkingDirectory=/"));
        String[] out = run("systemd-analyze", "verify", copy.toString());
        assertThat(out[0]).as(out[1]).isEqualTo("0");
        assertThat(out[1].strip()).as("verify warnings").isEmpty();
    }

    @Test
    void theUnitsExposureIsLow() throws Exception {
        String[] out = run("systemd-analyze", "security", "--offline=true", UNIT.toString());
        Matcher m = Pattern.compile("Overall exposure level for \\S+: ([0-9.]+)").matcher(out[1]);
        assertThat(m.find()).as(out[1]).isTrue();
        double exposure = Double.parseDouble(m.group(1));
        System.out.println("systemd-analyze security: exposure " + exposure + " (0 safest, 10 worst)");
        assertThat(exposure).isLessThanOrEqualTo(2.0);
    }

    /** Exit code and combined output. */
    private static String[] run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(String.join(" ", cmd) + " hung");
        }
        return new String[] {Integer.toString(p.exitValue()), out};
    }
}
