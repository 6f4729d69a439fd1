package com.edgeinspect.appliance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.edgeinspect.appliance.config.ApplianceConfig;
import com.edgeinspect.core.security.Tls;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A production box against a locked-down mosquitto (the repository's example ACL, TLS with client certificates and
 * passwords; certificates made here with openssl): it connects and works; it cannot publish under another device's
 * prefix; its HTTP API wants the token everywhere but {@code /health}, serves only GET, sends no CORS headers and
 * refuses oversized requests; a secret file others can read stops it at start.
 */
class SecureBrokerTest {

    @TempDir
    Path tmp;

    @Test
    void aProductionBoxWorksOverTlsWithItsCredentialsAndOnlyUnderItsOwnPrefix() throws Exception {
        Path tls = Files.createDirectories(tmp.resolve("tls"));
        openssl(tls, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days",
                "2", "-subj", "/CN=edgeinspect test CA");
        for (String name : List.of("broker", "box-s", "shipper")) {
            certificate(tls, name);
        }
        Path passwd = tmp.resolve("passwd");
        run(tmp, "mosquitto_passwd", "-b", "-c", passwd.toString(), "box-s", "box-secret");
        run(tmp, "mosquitto_passwd", "-b", passwd.toString(), "shipper", "ship-secret");
        Path password = secret(tmp.resolve("mqtt-password"), "box-secret\n");
        Path token = secret(tmp.resolve("http-token"), "t0k3n-" + System.nanoTime() + "\n");
        int port = Mosquitto.freePort();
        String broker = """
                allow_anonymous false
                password_file %s
                acl_file %s
                cafile %s
                certfile %s
                keyfile %s
                require_certificate true
                """.formatted(passwd, Harness.REPO.resolve("deploy/mosquitto/acl").toAbsolutePath(),
                tls.resolve("ca.pem"), tls.resolve("broker.pem"), tls.resolve("broker.key"));
        String yaml = """
                device: {id: box-s, production: true}
                mqtt: {url: "ssl://127.0.0.1:%d", prefix: "inspection/{deviceId}", stats_interval_seconds: 5,
                       username: box-s, password_file: "%s",
                       tls: {ca_file: "%s", cert_file: "%s", key_file: "%s"}}
                http: {bind_address: 127.0.0.1, port: 0, token_file: "%s"}
                model: {bundle: %s, trusted_keys: [%s], providers: [cpu], threads: 1}
                storage: {dir: "%s"}
                streams:
                  - {name: line1, url: "%s", loop: true, realtime: true}
                """.formatted(port, password, tls.resolve("ca.pem"), tls.resolve("box-s.pem"),
                tls.resolve("box-s.key"), token, Harness.REPO.resolve("models/default.vimodel"),
                Harness.REPO.resolve("models/demo-signing.pub"), tmp.resolve("state"),
                Harness.REPO.resolve("test-videos/clean-line.mp4"));
        ApplianceConfig config = Harness.load(yaml, "secure");

        Files.setPosixFilePermissions(password, PosixFilePermissions.fromString("rw-r--r--"));
        assertThatThrownBy(() -> Appliance.start(config)).hasMessageContaining("accessible to others")
                .hasMessageNotContaining("box-secret");
        Files.setPosixFilePermissions(password, PosixFilePermissions.fromString("rw-------"));

        HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
        String bearer = "Bearer " + Files.readString(token).strip();
        try (Mosquitto m = Mosquitto.start(Files.createDirectories(tmp.resolve("broker")), port, false, broker);
                Appliance box = Appliance.start(config)) {
            String base = "http://127.0.0.1:" + box.httpPort();
            assertThat(Harness.get(http, base + "/health").statusCode()).isEqualTo(200);
            Harness.await(() -> send(http, base + "/ready", bearer).statusCode() == 200, "ready over TLS", 30);
            assertThat(Harness.get(http, base + "/api/status").statusCode()).isEqualTo(401);
            assertThat(Harness.get(http, base + "/").statusCode()).isEqualTo(401);
            assertThat(send(http, base + "/api/status", "Bearer wrong").statusCode()).isEqualTo(401);
            HttpResponse<String> login = Harness.get(http, base + "/?token=" + Files.readString(token).strip());
            assertThat(login.statusCode()).isEqualTo(303);
            String cookie = login.headers().firstValue("set-cookie").orElseThrow();
            assertThat(cookie).containsIgnoringCase("HttpOnly").contains("SameSite=Strict");
            assertThat(http.send(HttpRequest.newBuilder(URI.create(base + "/api/model"))
                    .header("cookie", cookie.split(";")[0]).build(), HttpResponse.BodyHandlers.ofString())
                    .statusCode()).isEqualTo(200);
            HttpResponse<String> cors = http.send(HttpRequest.newBuilder(URI.create(base + "/api/status"))
                    .header("authorization", bearer).header("origin", "http://evil.example").build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(cors.statusCode()).isEqualTo(200);
            assertThat(cors.headers().firstValue("access-control-allow-origin")).isEmpty();
            assertThat(http.send(HttpRequest.newBuilder(URI.create(base + "/api/status")).header("authorization",
                    bearer).POST(HttpRequest.BodyPublishers.ofString("{}")).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(405);
            assertThat(http.send(HttpRequest.newBuilder(URI.create(base + "/api/status"))
                    .version(HttpClient.Version.HTTP_1_1).header("authorization", bearer)
                    .header("x-filler", "x".repeat(20_000)).build(), HttpResponse.BodyHandlers.ofString())
                    .statusCode()).isEqualTo(431);
            assertThat(http.send(HttpRequest.newBuilder(URI.create(base + "/api/status?x=" + "y".repeat(5000)))
                    .version(HttpClient.Version.HTTP_1_1).header("authorization", bearer).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(414);

            // The shipper account sees the box's retained status; the box's own account is held to its prefix.
            MqttAsyncClient shipper = client(port, tls, "shipper", "ship-secret");
            LinkedBlockingQueue<Harness.Msg> got = new LinkedBlockingQueue<>();
            shipper.setCallback(new Harness.Collector(got));
            shipper.subscribe(new String[] {"inspection/box-s/status", "inspection/box-s/model/state"},
                    new int[] {1, 1}).waitForCompletion(10_000);
            Harness.await(() -> got.stream().anyMatch(x -> x.topic().endsWith("/status")
                    && x.json().getString("state").equals("online")), "the box online, seen by the shipper", 20);
            Harness.await(() -> got.stream().anyMatch(x -> x.topic().endsWith("/model/state")), "model state", 20);
            MqttAsyncClient impostor = client(port, tls, "box-s", "box-secret");
            assertThat(reasonCode(impostor, "inspection/other-box/model/offer")).isEqualTo(0x87);
            assertThat(reasonCode(impostor, "fleet/line-1/model/offer")).isEqualTo(0x87);
            for (MqttAsyncClient c : List.of(shipper, impostor)) {
                c.disconnect().waitForCompletion(5000);
                c.close();
            }
        }
    }

    @Test
    void productionRefusesPlainTcpUnsignedBundlesAndAnOpenApi() {
        String base = """
                device: {id: box-p, production: true}
                mqtt: {url: "ssl://broker:8883", prefix: "inspection/{deviceId}", stats_interval_seconds: 5,
                       username: box-p, password_file: /etc/edgeinspect/mqtt-password, tls: {ca_file: /etc/ca.pem}}
                http: {bind_address: 0.0.0.0, port: 8080, token_file: /etc/edgeinspect/http-token}
                model: {trusted_keys: [/etc/fleet.pub]}
                streams: [{name: line1, url: rtsp://cam/1}]
                """;
        assertThat(ok(base)).isTrue();
        assertThat(error(base.replace("ssl://broker:8883", "tcp://broker:1883"))).contains("mqtt.tls")
                .contains("ssl://");
        assertThat(error(base.replace(", tls: {ca_file: /etc/ca.pem}", "").replace("ssl://", "tcp://")))
                .contains("mqtt.url").contains("production needs ssl://");
        assertThat(error(base.replace("trusted_keys: [/etc/fleet.pub]", "trusted_keys: [/etc/fleet.pub], "
                + "allow_unsigned: true"))).contains("model.allow_unsigned");
        assertThat(error(base.replace(", token_file: /etc/edgeinspect/http-token", ""))).contains("http.token_file");
        assertThat(error(base.replace("username: box-p, password_file: /etc/edgeinspect/mqtt-password, ", "")))
                .contains("production needs credentials");
    }

    private static boolean ok(String yaml) {
        try {
            Harness.load(yaml, "p.yaml");
            return true;
        } catch (ApplianceConfig.Invalid e) {
            throw new AssertionError(e.getMessage());
        }
    }

    private static String error(String yaml) {
        try {
            Harness.load(yaml, "p.yaml");
            return "accepted";
        } catch (ApplianceConfig.Invalid e) {
            return e.getMessage();
        }
    }

    private static int reasonCode(MqttAsyncClient c, String topic) throws Exception {
        try {
            IMqttToken t = c.publish(topic, "{}".getBytes(StandardCharsets.UTF_8), 1, true);
            t.waitForCompletion(10_000);
            return t.getReasonCodes() == null ? 0 : t.getReasonCodes()[0];
        } catch (MqttException e) {
            return e.getReasonCode();
        }
    }

    private static MqttAsyncClient client(int port, Path tls, String user, String password) throws Exception {
        MqttAsyncClient c = new MqttAsyncClient("ssl://127.0.0.1:" + port, user + "-" + System.nanoTime(),
                new MemoryPersistence());
        MqttConnectionOptions o = new MqttConnectionOptions();
        o.setUserName(user);
        o.setPassword(password.getBytes(StandardCharsets.UTF_8));
        o.setSocketFactory(Tls.socketFactory(tls.resolve("ca.pem").toString(), tls.resolve(user + ".pem").toString(),
                tls.resolve(user + ".key").toString()));
        c.connect(o).waitForCompletion(10_000);
        return c;
    }

    private static HttpResponse<String> send(HttpClient http, String url, String authorization) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).header("authorization", authorization).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** A certificate for {@code name} signed by the test CA, valid for 127.0.0.1; its key owner-only PKCS#8. */
    private static void certificate(Path dir, String name) throws Exception {
        openssl(dir, "req", "-newkey", "rsa:2048", "-nodes", "-keyout", name + ".key", "-out", name + ".csr", "-subj",
                "/CN=" + name);
        Files.writeString(dir.resolve(name + ".ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
        openssl(dir, "x509", "-req", "-in", name + ".csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
                "-out", name + ".pem", "-days", "2", "-extfile", name + ".ext");
        Files.setPosixFilePermissions(dir.resolve(name + ".key"), PosixFilePermissions.fromString("rw-------"));
    }

    private static Path secret(Path file, String content) throws Exception {
        Files.writeString(file, content);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        return file;
    }

    private static void openssl(Path dir, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("openssl"));
        cmd.addAll(List.of(args));
        run(dir, cmd.toArray(String[]::new));
    }

    private static void run(Path dir, String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", cmd) + " failed (.ci/run installs openssl and "
                    + "mosquitto): " + out);
        }
    }
}
