package com.edgeinspect.appliance;

import static org.assertj.core.api.Assertions.assertThat;

import com.edgeinspect.appliance.systemd.Notifier;
import com.sun.net.httpserver.HttpServer;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import jnr.unixsocket.UnixDatagramChannel;
import jnr.unixsocket.UnixSocketAddress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What systemd hears from the appliance on its notification socket (a real Unix datagram socket here): READY=1
 * once it runs, WATCHDOG=1 while frames are processed, no ping while a camera's connection stays open but sends
 * nothing (the pipeline makes no progress), pings again once the stream gives up and reconnects (a camera that is
 * away is not cured by a restart), STOPPING=1 at the end.
 */
class WatchdogTest {

    @TempDir
    Path tmp;

    @Test
    void pingsOnlyWhileThePipelineProgresses() throws Exception {
        Path ts = tmp.resolve("camera.ts");
        Process ff = new ProcessBuilder("ffmpeg", "-v", "error", "-y", "-i",
                Harness.REPO.resolve("test-videos/clean-line.mp4").toString(), "-t", "3", "-c:v", "copy", "-f",
                "mpegts", ts.toString()).redirectErrorStream(true).start();
        assertThat(ff.waitFor(60, TimeUnit.SECONDS) && ff.exitValue() == 0).isTrue();
        byte[] video = Files.readAllBytes(ts);
        CountDownLatch hangUp = new CountDownLatch(1);
        // A camera that streams 3 s of video, then keeps the connection open and sends nothing.
        HttpServer camera = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        camera.createContext("/live.ts", x -> {
            x.sendResponseHeaders(200, 0);
            try (OutputStream out = x.getResponseBody()) {
                out.write(video);
                out.flush();
                hangUp.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        camera.start();

        Path socket = tmp.resolve("notify.sock");
        List<String> heard = new CopyOnWriteArrayList<>();
        UnixDatagramChannel systemd = UnixDatagramChannel.open();
        systemd.bind(new UnixSocketAddress(socket.toFile()));
        Thread listener = new Thread(() -> {
            ByteBuffer b = ByteBuffer.allocate(4096);
            while (systemd.isOpen()) {
                try {
                    b.clear();
                    systemd.receive(b);
                    b.flip();
                    heard.add(System.nanoTime() / 1_000_000 + " " + StandardCharsets.UTF_8.decode(b));
                } catch (Exception e) {
                    return;
                }
            }
        }, "systemd");
        listener.setDaemon(true);
        listener.start();

        int port = Mosquitto.freePort();
        String yaml = Harness.config("clean-line", port, tmp.resolve("state")).replace(
                "url: \"" + Harness.REPO.resolve("test-videos/clean-line.mp4") + "\", loop: false, realtime: true",
                "url: \"http://127.0.0.1:" + camera.getAddress().getPort() + "/live.ts\"");
        try (Mosquitto broker = Mosquitto.start(Files.createDirectories(tmp.resolve("broker")), port, false);
                Appliance box = Appliance.start(Harness.load(yaml, "watchdog"),
                        new Notifier(socket.toString(), Duration.ofMillis(1000)))) {
            Harness.await(() -> heard.stream().anyMatch(h -> h.contains("READY=1")), "READY=1", 30);
            Harness.await(() -> heard.stream().anyMatch(h -> h.contains("WATCHDOG=1")), "a first ping", 30);
            // The 3 s of video end; the connection stays open: frames stop while the source still counts as running.
            Harness.await(() -> heard.stream().anyMatch(h -> h.contains("STATUS=stalled")), "pings withheld", 30);
            int stalledAt = indexOf(heard, "STATUS=stalled");
            // The source's 5 s network timeout gives up on the silent camera; it reconnects and pings resume.
            Harness.await(() -> heard.subList(stalledAt, heard.size()).stream()
                    .anyMatch(h -> h.contains("WATCHDOG=1")), "pings again while the camera reconnects", 30);
            List<String> during = heard.subList(stalledAt, indexOf(heard.subList(stalledAt, heard.size()),
                    "WATCHDOG=1") + stalledAt);
            System.out.println("heard while stalled: " + during);
            assertThat(during).noneMatch(h -> h.contains("WATCHDOG=1"));
        } finally {
            hangUp.countDown();
            camera.stop(0);
        }
        Harness.await(() -> heard.stream().anyMatch(h -> h.contains("STOPPING=1")), "STOPPING=1", 10);
        systemd.close();
    }

    private static int indexOf(List<String> heard, String what) {
        for (int i = 0; i < heard.size(); i++) {
            if (heard.get(i).contains(what)) {
                return i;
            }
        }
        return -1;
    }
}
