package com.edgeinspect.appliance.http;

import com.edgeinspect.core.alert.AlertEvent;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.Cookie;
import io.vertx.core.http.CookieSameSite;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.StaticHandler;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;
import java.util.Map;

/**
 * The box's HTTP face. {@code /health} (the process answers), {@code /ready} (streams delivering frames, model
 * loaded, MQTT connected; 503 otherwise), {@code /metrics} (Prometheus), {@code /api/status}, {@code /api/model},
 * {@code /api/events} with each alert's snapshot, {@code /stream/NAME.mjpg} (live view with boxes) and the web page
 * at {@code /}. Handlers read snapshots; file reads run off the event loop.
 *
 * <p>With a token, everything but {@code /health} needs it: {@code Authorization: Bearer TOKEN}, or the cookie a
 * browser gets by opening {@code /?token=TOKEN} once (HttpOnly, SameSite=Strict). Only GET and HEAD are served, no
 * CORS headers are sent (other origins cannot read the API), and request lines and headers are size-limited.
 */
public final class HttpApi {

    /** What the API shows; implemented by the appliance. */
    public interface Backend {
        boolean ready();

        Map<String, Object> status();

        Map<String, Object> model();

        List<AlertEvent> events(int limit);

        /** JPEG of an alert, or null; may read a file. */
        byte[] snapshot(String id) throws IOException;

        String metrics();

        /** The latest live picture of a stream (JPEG), null while none; unknown streams throw. */
        byte[] view(String stream);

        /** True while the stream delivers frames; a live view of a stream that stopped is ended. */
        boolean live(String stream);

        /** A live-view client of a stream connected (+1) or left (-1). */
        void watching(String stream, int delta);

        List<String> streams();
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String BOUNDARY = "frame";
    private static final long VIEW_PERIOD_MS = 200;

    private HttpApi() {}

    /** @param token required on every endpoint but {@code /health}; null for none (development) */
    public static Future<HttpServer> start(Vertx vertx, String host, int port, String token, Backend backend) {
        Router router = Router.router(vertx);
        router.route().handler(ctx -> {
            ctx.response().putHeader("x-content-type-options", "nosniff").putHeader("x-frame-options", "DENY");
            HttpMethod m = ctx.request().method();
            if (m.equals(HttpMethod.GET) || m.equals(HttpMethod.HEAD)) {
                ctx.next();
            } else {
                ctx.response().putHeader("allow", "GET, HEAD");
                text(ctx, 405, "only GET and HEAD\n");
            }
        });
        router.get("/health").handler(ctx -> text(ctx, 200, "ok\n"));
        if (token != null) {
            router.route().handler(ctx -> authorize(ctx, token));
        }
        router.get("/ready").handler(ctx -> {
            boolean ok = backend.ready();
            text(ctx, ok ? 200 : 503, ok ? "ready\n" : "not ready\n");
        });
        router.get("/metrics").handler(ctx -> ctx.response()
                .putHeader("content-type", "text/plain; version=0.0.4; charset=utf-8").end(backend.metrics()));
        router.get("/api/status").handler(ctx -> json(ctx, backend.status()));
        router.get("/api/model").handler(ctx -> json(ctx, backend.model()));
        router.get("/api/events").handler(ctx -> {
            int limit = 50;
            String l = ctx.request().getParam("limit");
            try {
                limit = l == null ? 50 : Math.max(1, Math.min(1000, Integer.parseInt(l)));
            } catch (NumberFormatException e) {
                text(ctx, 400, "limit must be a number\n");
                return;
            }
            json(ctx, backend.events(limit));
        });
        router.get("/api/events/:id/snapshot.jpg").handler(ctx -> vertx.executeBlocking(
                () -> backend.snapshot(ctx.pathParam("id"))).onComplete(r -> {
                    if (r.failed() || r.result() == null) {
                        text(ctx, 404, "no snapshot\n");
                    } else {
                        ctx.response().putHeader("content-type", "image/jpeg")
                                .putHeader("cache-control", "max-age=86400").end(Buffer.buffer(r.result()));
                    }
                }));
        router.get("/stream/:name").handler(ctx -> mjpeg(vertx, ctx, backend));
        router.route("/*").handler(StaticHandler.create("web").setCachingEnabled(false));
        HttpServerOptions limits = new HttpServerOptions().setMaxInitialLineLength(2048).setMaxHeaderSize(8192)
                .setMaxFormAttributeSize(0);
        return vertx.createHttpServer(limits).requestHandler(router).listen(port, host);
    }

    private static final String COOKIE = "edgeinspect_token";

    private static void authorize(RoutingContext ctx, String token) {
        String header = ctx.request().getHeader("authorization");
        String query = ctx.request().getParam("token");
        Cookie cookie = ctx.request().getCookie(COOKIE);
        if (same(query, token)) {
            // Once per browser: keep it in a cookie and take it out of the address bar (and the history).
            ctx.response().addCookie(Cookie.cookie(COOKIE, token).setHttpOnly(true).setPath("/")
                    .setSameSite(CookieSameSite.STRICT)).setStatusCode(303).putHeader("location", ctx.request().path())
                    .end();
        } else if ((header != null && header.startsWith("Bearer ") && same(header.substring(7), token))
                || (cookie != null && same(cookie.getValue(), token))) {
            ctx.next();
        } else {
            ctx.response().putHeader("www-authenticate", "Bearer realm=\"edgeinspect\"");
            text(ctx, 401, "a token is required: Authorization: Bearer TOKEN, or open /?token=TOKEN once\n");
        }
    }

    /** Constant-time comparison: the time taken says nothing about how much of a guess was right. */
    private static boolean same(String given, String token) {
        return given != null && MessageDigest.isEqual(given.getBytes(StandardCharsets.UTF_8),
                token.getBytes(StandardCharsets.UTF_8));
    }

    /** {@code multipart/x-mixed-replace}: browsers show it as a live image; a slow client skips pictures. */
    private static void mjpeg(Vertx vertx, RoutingContext ctx, Backend backend) {
        String file = ctx.pathParam("name");
        String name = file.endsWith(".mjpg") ? file.substring(0, file.length() - 5) : file;
        if (!backend.streams().contains(name)) {
            text(ctx, 404, "no stream " + name + "\n");
            return;
        }
        HttpServerResponse r = ctx.response().setChunked(true)
                .putHeader("content-type", "multipart/x-mixed-replace; boundary=" + BOUNDARY)
                .putHeader("cache-control", "no-cache");
        backend.watching(name, 1);
        // All of this runs on the connection's event loop: no locking needed.
        long[] timer = new long[1];
        boolean[] done = new boolean[1];
        Runnable finish = () -> {
            if (!done[0]) {
                done[0] = true;
                vertx.cancelTimer(timer[0]);
                backend.watching(name, -1);
            }
        };
        byte[][] last = new byte[1][];
        timer[0] = vertx.setPeriodic(VIEW_PERIOD_MS, id -> {
            if (!backend.live(name)) {
                finish.run();
                r.end(); // the page keeps showing the last picture
                return;
            }
            byte[] jpeg = backend.view(name);
            if (jpeg == null || jpeg == last[0] || r.writeQueueFull()) {
                return;
            }
            last[0] = jpeg;
            r.write(Buffer.buffer("--" + BOUNDARY + "\r\ncontent-type: image/jpeg\r\ncontent-length: " + jpeg.length
                    + "\r\n\r\n").appendBytes(jpeg).appendString("\r\n"));
        });
        r.closeHandler(v -> finish.run());
    }

    private static void text(RoutingContext ctx, int status, String body) {
        ctx.response().setStatusCode(status).putHeader("content-type", "text/plain; charset=utf-8").end(body);
    }

    private static void json(RoutingContext ctx, Object value) {
        try {
            ctx.response().putHeader("content-type", "application/json").end(JSON.writeValueAsString(value));
        } catch (JsonProcessingException e) {
            ctx.fail(e);
        }
    }
}
