package com.edgeinspect.appliance.systemd;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import jnr.unixsocket.UnixDatagramChannel;
import jnr.unixsocket.UnixSocketAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Talks to systemd the way {@code sd_notify(3)} does: datagrams on the socket named by {@code NOTIFY_SOCKET}
 * ({@code READY=1}, {@code WATCHDOG=1}, {@code STATUS=...}, {@code STOPPING=1}). Outside systemd there is no socket
 * and nothing is sent.
 */
public final class Notifier implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Notifier.class);

    private final UnixDatagramChannel channel;
    private final UnixSocketAddress socket;
    private final Duration watchdog;

    /**
     * @param socket the notification socket's path ({@code @name} for the abstract namespace)
     * @param watchdog how often systemd expects a ping ({@code WATCHDOG_USEC}), or null if it does not
     */
    public Notifier(String socket, Duration watchdog) throws IOException {
        this.socket = new UnixSocketAddress(socket.startsWith("@") ? "\0" + socket.substring(1) : socket);
        this.channel = UnixDatagramChannel.open();
        this.watchdog = watchdog;
    }

    /** The notifier systemd asked for through the environment, or null when not started by systemd. */
    public static Notifier fromEnvironment(Map<String, String> env) throws IOException {
        String socket = env.get("NOTIFY_SOCKET");
        if (socket == null || socket.isEmpty()) {
            return null;
        }
        String usec = env.get("WATCHDOG_USEC");
        Duration watchdog = usec == null ? null : Duration.ofNanos(Long.parseLong(usec) * 1000);
        return new Notifier(socket, watchdog);
    }

    /** The watchdog interval systemd set, or null. */
    public Duration watchdog() {
        return watchdog;
    }

    public void send(String state) {
        try {
            channel.send(ByteBuffer.wrap(state.getBytes(StandardCharsets.UTF_8)), socket);
        } catch (IOException e) {
            LOG.warn("systemd notification failed: {}", e.getMessage());
        }
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
