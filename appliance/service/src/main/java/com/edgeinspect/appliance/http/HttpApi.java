package com.edgeinspect.appliance.http;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The box's HTTP face: {@code /health} (the process answers), {@code /ready} (streams delivering frames and MQTT
 * connected; 503 otherwise, for load balancers and the installer) and {@code /api/status} (everything the web page
 * shows). Handlers only read snapshots, so the event loop never blocks.
 */
public final class HttpApi {

    private HttpApi() {}

    public static Future<HttpServer> start(Vertx vertx, String host, int port, BooleanSupplier ready,
            Supplier<Map<String, Object>> status) {
        Router router = Router.router(vertx);
        router.get("/health").handler(ctx -> ctx.response().putHeader("content-type", "text/plain").end("ok\n"));
        router.get("/ready").handler(ctx -> {
            boolean ok = ready.getAsBoolean();
            ctx.response().setStatusCode(ok ? 200 : 503).putHeader("content-type", "text/plain")
                    .end(ok ? "ready\n" : "not ready\n");
        });
        router.get("/api/status").handler(ctx -> ctx.response().putHeader("content-type", "application/json")
                .end(new JsonObject(status.get()).encodePrettily()));
        return vertx.createHttpServer().requestHandler(router).listen(port, host);
    }
}
