package com.edgeinspect.appliance;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A camera that misbehaves the ways cameras do, beside one that does not: it vanishes, comes back at another
 * resolution, sends garbage, comes back again. The faulty stream reports each fault and recovers by itself; the
 * other stream never stops; the model runs on both resolutions.
 */
class StreamFaultsTest {

    @TempDir
    Path tmp;

    @Test
    void aCameraThatVanishesChangesResolutionAndSendsGarbageRecoversAndSparesTheOtherStream() throws Exception {
        Path hd = clip("1920:1080", "hd.mp4");
        Path small = clip("1280:720", "small.mp4");
        Path camera = tmp.resolve("camera.mp4");
        Files.copy(hd, camera);
        int port = Mosquitto.freePort();
        String yaml = Harness.config("clean-line", port, tmp.resolve("state"))
                .replace("loop: false", "loop: true")
                + "  - {name: cam2, url: \"" + camera + "\", loop: true, realtime: true}\n";
        HttpClient http = HttpClient.newHttpClient();
        try (Mosquitto broker = Mosquitto.start(Files.createDirectories(tmp.resolve("broker")), port, false);
                Appliance box = Appliance.start(Harness.load(yaml, "faults"))) {
            String base = "http://127.0.0.1:" + box.httpPort();
            Harness.await(() -> Harness.get(http, base + "/ready").statusCode() == 200, "ready", 30);
            Harness.await(() -> cam(http, base).getLong("processed") > 10, "frames from the camera", 30);
            assertThat(cam(http, base).getInteger("width")).isEqualTo(1920);

            Files.delete(camera); // vanishes: noticed when the clip ends and the source reopens
            Harness.await(() -> cam(http, base).getString("state").equals("reconnecting"), "camera gone", 30);
            assertThat(cam(http, base).getString("lastError")).contains("no such video file");
            long line = line(http, base).getLong("processed");
            Harness.await(() -> line(http, base).getLong("processed") > line + 10, "the other stream goes on", 10);
            assertThat(line(http, base).getString("state")).isEqualTo("running");

            replace(camera, Files.readAllBytes(small)); // back, at another resolution
            Harness.await(() -> cam(http, base).getString("state").equals("running")
                    && cam(http, base).getInteger("width") == 1280, "camera back at 1280x720", 60);
            long before = cam(http, base).getLong("processed");
            Harness.await(() -> cam(http, base).getLong("processed") > before + 10, "frames at 720p", 30);
            assertThat(cam(http, base).getValue("lastError")).isIn(null, "");

            byte[] garbage = new byte[200_000];
            new Random(3).nextBytes(garbage);
            replace(camera, garbage); // garbage
            Harness.await(() -> cam(http, base).getString("state").equals("reconnecting"), "garbage refused", 60);
            int failures = cam(http, base).getInteger("failures");
            assertThat(failures).isPositive();

            replace(camera, Files.readAllBytes(hd)); // and back
            Harness.await(() -> cam(http, base).getString("state").equals("running")
                    && cam(http, base).getInteger("width") == 1920, "camera back at 1080p", 60);
            long again = cam(http, base).getLong("processed");
            Harness.await(() -> cam(http, base).getLong("processed") > again + 10, "frames again", 30);
            assertThat(line(http, base).getString("state")).isEqualTo("running");
            assertThat(Harness.get(http, base + "/health").statusCode()).isEqualTo(200);
        }
    }

    private static JsonObject cam(HttpClient http, String base) throws Exception {
        return stream(http, base, "cam2");
    }

    private static JsonObject line(HttpClient http, String base) throws Exception {
        return stream(http, base, "line1");
    }

    private static JsonObject stream(HttpClient http, String base, String name) throws Exception {
        for (Object o : Harness.status(http, base).getJsonArray("streams")) {
            JsonObject s = (JsonObject) o;
            if (s.getString("name").equals(name)) {
                return s;
            }
        }
        throw new AssertionError("no stream " + name);
    }

    /** A 2 s piece of the mixed-defects clip at {@code size}. */
    private Path clip(String size, String name) throws Exception {
        Path out = tmp.resolve(name);
        Process p = new ProcessBuilder("ffmpeg", "-v", "error", "-y", "-i",
                Harness.REPO.resolve("test-videos/mixed-defects.mp4").toString(), "-t", "2", "-vf", "scale=" + size,
                "-c:v", "libx264", "-preset", "ultrafast", out.toString()).redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(120, TimeUnit.SECONDS) && p.exitValue() == 0).as(log).isTrue();
        return out;
    }

    /** The camera's file changes at once, as a camera's stream would, never half-written. */
    private void replace(Path camera, byte[] content) throws Exception {
        Path t = Files.write(tmp.resolve("next.tmp"), content);
        Files.move(t, camera, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
}
