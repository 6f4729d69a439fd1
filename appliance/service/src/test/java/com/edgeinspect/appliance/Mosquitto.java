package com.edgeinspect.appliance;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Debian's mosquitto on a free loopback port with its own config, for interop tests. .ci/run installs it. */
final class Mosquitto implements AutoCloseable {

    final int port;
    private final Process process;

    private Mosquitto(int port, Process process) {
        this.port = port;
        this.process = process;
    }

    static Mosquitto start(Path dir) throws Exception {
        return start(dir, freePort(), false);
    }

    /**
     * @param persistent keep sessions and queued messages across a restart on the same {@code dir} and
     *     {@code port} (saved when mosquitto stops)
     */
    static Mosquitto start(Path dir, int port, boolean persistent) throws Exception {
        return start(dir, port, persistent, "");
    }

    /** @param extraConfig further mosquitto.conf lines (e.g. an {@code acl_file}) */
    static Mosquitto start(Path dir, int port, boolean persistent, String extraConfig) throws Exception {
        Path binary = Path.of("/usr/sbin/mosquitto");
        if (!Files.isExecutable(binary)) {
            throw new IllegalStateException("mosquitto not found at " + binary
                    + ": install the Debian package 'mosquitto' (.ci/run does)");
        }
        Path conf = dir.resolve("mosquitto.conf");
        // Run as whoever runs the tests: as root, mosquitto would drop to user 'mosquitto' and fail to save here.
        // Connections, sessions and subscriptions are logged, so a failed delivery test can show what the broker saw.
        Files.writeString(conf, "listener " + port + " 127.0.0.1\nallow_anonymous true\nuser "
                + System.getProperty("user.name") + "\nlog_type error\nlog_type warning\nlog_type notice\n"
                + "log_type information\nlog_type subscribe\nlog_timestamp_format %H:%M:%S\n" + (persistent
                ? "persistence true\npersistence_location " + dir.toAbsolutePath() + "/\n" : "persistence false\n")
                + extraConfig);
        Process p = new ProcessBuilder(binary.toString(), "-c", conf.toString())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("mosquitto.log").toFile()))
                .start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            try (Socket s = new Socket("127.0.0.1", port)) {
                return new Mosquitto(port, p);
            } catch (IOException e) {
                if (!p.isAlive() || System.nanoTime() > deadline) {
                    p.destroyForcibly();
                    throw new IllegalStateException("mosquitto did not start: " + Files.readString(dir.resolve("mosquitto.log")));
                }
                Thread.sleep(50);
            }
        }
    }

    /** The last {@code lines} lines mosquitto logged in {@code dir} (every start there appends). */
    static String logTail(Path dir, int lines) throws IOException {
        List<String> all = Files.readAllLines(dir.resolve("mosquitto.log"));
        return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    }

    /**
     * Runs a check against the broker; if it fails or throws (e.g. the broker disconnected a client for a protocol
     * error), the failure carries the broker's log, which names the client and the reason.
     */
    static void explained(Path dir, Check check) throws Exception {
        try {
            check.run();
        } catch (AssertionError | Exception e) {
            throw new AssertionError(e + "\nmosquitto's log, last 60 lines:\n" + logTail(dir, 60), e);
        }
    }

    interface Check {
        void run() throws Exception;
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** SIGKILL: no clean shutdown, no final save; what survives is what the broker had saved before. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(5, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(5, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }
}
