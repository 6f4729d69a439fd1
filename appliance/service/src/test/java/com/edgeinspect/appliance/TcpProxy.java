package com.edgeinspect.appliance;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A loopback TCP proxy a test controls, to put a network between the appliance and its broker: {@link #blackhole}
 * stops forwarding without closing anything (a cable pulled somewhere in between: only keep-alive notices),
 * {@link #heal} drops those dead connections and forwards new ones again.
 */
final class TcpProxy implements AutoCloseable {

    final int port;
    private final int target;
    private final ServerSocket server;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private volatile boolean forwarding = true;

    TcpProxy(int target) throws IOException {
        this.target = target;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.port = server.getLocalPort();
        Thread t = new Thread(this::accept, "proxy-accept");
        t.setDaemon(true);
        t.start();
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket in = server.accept();
                if (!forwarding) {
                    sockets.add(in); // accepted, never answered: a connect attempt that hangs
                    continue;
                }
                Socket out = new Socket(InetAddress.getLoopbackAddress(), target);
                sockets.add(in);
                sockets.add(out);
                pump(in, out);
                pump(out, in);
            } catch (IOException e) {
                // closed
            }
        }
    }

    private void pump(Socket from, Socket to) {
        Thread t = new Thread(() -> {
            byte[] buf = new byte[16384];
            try (InputStream i = from.getInputStream(); OutputStream o = to.getOutputStream()) {
                int n;
                while ((n = i.read(buf)) > 0) {
                    while (!forwarding && !from.isClosed()) {
                        Thread.sleep(50); // hold the bytes: nothing gets through, nothing is closed
                    }
                    o.write(buf, 0, n);
                }
            } catch (IOException | InterruptedException e) {
                // one side closed
            } finally {
                close(from);
                close(to);
            }
        }, "proxy-pump");
        t.setDaemon(true);
        t.start();
    }

    void blackhole() {
        forwarding = false;
    }

    void heal() {
        sockets.forEach(TcpProxy::close);
        sockets.clear();
        forwarding = true;
    }

    private static void close(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            // already closed
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        heal();
    }
}
