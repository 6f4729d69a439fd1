package com.edgeinspect.appliance.bench;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The appliance in a process of its own, started as the box's launcher starts it ({@code Main --config FILE}, the JVM
 * options of {@code APPLIANCE_JAVA_OPTS}, this environment's malloc settings), watched through its HTTP API and
 * {@code /proc}: its memory is its own, and it can be frozen ({@code SIGSTOP}) while a ceiling is measured beside it.
 */
final class ApplianceProcess implements AutoCloseable {

    private final Process process;
    private final Path log;
    private final String base;
    private final HttpClient http = HttpClient.newHttpClient();

    private ApplianceProcess(Process process, Path log, int httpPort) {
        this.process = process;
        this.log = log;
        this.base = "http://127.0.0.1:" + httpPort;
    }

    /** Starts it on {@code setup} (written into {@code dir}, its log beside it) and waits until it reports ready. */
    static ApplianceProcess start(BenchSetup.Setup setup, Path dir) throws Exception {
        Path config = Files.writeString(dir.resolve("appliance.yaml"), setup.yaml());
        Path log = dir.resolve("appliance.log");
        int httpPort = BenchSetup.freePort();
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString()); // this JVM's, as the tests start it
        String opts = System.getenv().getOrDefault("APPLIANCE_JAVA_OPTS", "-Xmx2g").trim();
        if (!opts.isEmpty()) {
            cmd.addAll(List.of(opts.split("\\s+")));
        }
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "com.edgeinspect.appliance.Main", "--config",
                config.toString()));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().putAll(setup.env());
        pb.environment().put("EDGEINSPECT__HTTP__PORT", Integer.toString(httpPort));
        ApplianceProcess a = new ApplianceProcess(pb.start(), log, httpPort);
        Runtime.getRuntime().addShutdownHook(new Thread(a.process::destroyForcibly));
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (!a.ready()) {
            if (!a.process.isAlive() || System.nanoTime() > deadline) {
                a.process.destroyForcibly();
                throw new IllegalStateException("the appliance did not become ready (exit "
                        + (a.process.isAlive() ? "none" : a.process.exitValue()) + "); its log: " + log);
            }
            Thread.sleep(200);
        }
        return a;
    }

    private boolean ready() {
        try {
            return get("/ready").statusCode() == 200;
        } catch (IOException e) {
            return false; // not listening yet
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    String metrics() throws IOException, InterruptedException {
        return get("/metrics").body();
    }

    /** decoded, processed, dropped of the first stream. */
    long[] counters() throws IOException, InterruptedException {
        JsonObject s = new JsonObject(get("/api/status").body()).getJsonArray("streams").getJsonObject(0);
        return new long[] {s.getLong("decoded"), s.getLong("processed"), s.getLong("dropped")};
    }

    long rssKb() throws IOException {
        return BenchSetup.rssKb(process.pid());
    }

    /** Freezes every thread of it (decoder, inference, broker) until {@link #resume}. */
    void freeze() throws IOException, InterruptedException {
        signal("STOP");
    }

    void resume() throws IOException, InterruptedException {
        signal("CONT");
    }

    long pid() {
        return process.pid();
    }

    Path log() {
        return log;
    }

    private void signal(String name) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).inheritIO().start();
        if (kill.waitFor() != 0) {
            throw new IOException("kill -" + name + " " + process.pid() + " failed; the appliance's log: " + log);
        }
    }

    private HttpResponse<String> get(String path) throws IOException, InterruptedException {
        if (!process.isAlive()) {
            throw new IllegalStateException("the appliance exited (" + process.exitValue() + "); its log: " + log);
        }
        return http.send(HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** Stops it as systemd would (SIGTERM: it says goodbye on MQTT), forcibly after 30 s. */
    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
    }
}
