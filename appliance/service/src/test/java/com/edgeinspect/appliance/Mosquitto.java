package com.edgeinspect.appliance;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Debian's mosquitto on a free loopback port with its own config, for interop tests. .ci/run installs it. */
final class Mosquitto implements AutoCloseable {

    final int port;
    private final Process process;
    private final Path log;
    /** Lines the log held before this process started: what follows is this process's. */
    private final int logFrom;

    private Mosquitto(int port, Process process, Path log, int logFrom) {
        this.port = port;
        this.process = process;
        this.log = log;
        this.logFrom = logFrom;
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
        Path log = dir.resolve("mosquitto.log");
        int logFrom = Files.exists(log) ? Files.readAllLines(log).size() : 0;
        Process p = new ProcessBuilder(binary.toString(), "-c", conf.toString())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            try (Socket s = new Socket("127.0.0.1", port)) {
                return new Mosquitto(port, p, log, logFrom);
            } catch (IOException e) {
                if (!p.isAlive() || System.nanoTime() > deadline) {
                    p.destroyForcibly();
                    throw new IllegalStateException("mosquitto did not start: " + Files.readString(log));
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

    /**
     * How many QoS 1 messages {@code publisher} sent on {@code topic} this killed broker held in memory only: it
     * had acknowledged them, had not surely saved them, and {@code consumer} had not acknowledged them either.
     * mosquitto sends the PUBACK first and saves its database in its next loop (autosave_on_changes;
     * eclipse-mosquitto/mosquitto#1855), so a SIGKILL in between loses a message its publisher rightly forgot.
     * Saved for sure is what was acknowledged before the last but one save began (that save finished before the last
     * began; the last may have been cut short). Needs {@code log_type debug}.
     */
    int lostIfKilled(String publisher, String topic, String consumer) throws IOException {
        List<String> lines = Files.readAllLines(log);
        lines = lines.subList(Math.min(logFrom, lines.size()), lines.size());
        int from = 0;
        int saves = 0;
        for (int i = lines.size() - 1; i >= 0 && saves < 2; i--) {
            if (lines.get(i).contains("Saving in-memory database")) {
                saves++;
                from = i;
            }
        }
        String qos1 = " \\(d\\d, q1, r\\d, m(\\d+)" + Pattern.quote(", '" + topic + "'");
        Pattern received = Pattern.compile("Received PUBLISH from " + Pattern.quote(publisher) + qos1);
        Pattern acked = Pattern.compile("Sending PUBACK to " + Pattern.quote(publisher) + " \\(m(\\d+),");
        Pattern forwarded = Pattern.compile("Sending PUBLISH to " + Pattern.quote(consumer) + qos1);
        Pattern consumed = Pattern.compile("Received PUBACK from " + Pattern.quote(consumer) + " \\(Mid: (\\d+),");
        Set<String> inMemory = new HashSet<>(); // publisher's message ids
        Map<String, String> consumerIds = new HashMap<>(); // consumer's message id -> publisher's
        Set<String> pending = new HashSet<>();
        Set<String> delivered = new HashSet<>();
        String last = null; // the publisher's message just received, which the broker forwards at once
        for (String line : lines.subList(from, lines.size())) {
            Matcher m;
            if ((m = received.matcher(line)).find()) {
                last = m.group(1);
                pending.add(last);
            } else if ((m = forwarded.matcher(line)).find() && last != null) {
                consumerIds.put(m.group(1), last);
            } else if ((m = acked.matcher(line)).find() && pending.remove(m.group(1))
                    && !delivered.contains(m.group(1))) {
                inMemory.add(m.group(1));
            } else if ((m = consumed.matcher(line)).find() && consumerIds.containsKey(m.group(1))) {
                delivered.add(consumerIds.get(m.group(1)));
                inMemory.remove(consumerIds.get(m.group(1)));
            }
            if (!line.contains("Received PUBLISH from " + publisher)) {
                last = null;
            }
        }
        return inMemory.size();
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(5, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }
}
