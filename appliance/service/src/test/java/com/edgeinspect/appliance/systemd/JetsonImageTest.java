package com.edgeinspect.appliance.systemd;

import static org.assertj.core.api.Assertions.assertThat;

import com.edgeinspect.appliance.config.ApplianceConfig;
import java.io.ByteArrayInputStream;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What can be checked here of the Jetson image (it builds only on an arm64 host with NVIDIA's images): every shell
 * script of the repository passes shellcheck, the launcher starts the real appliance, the example configuration is
 * a valid production configuration, and the image builds the ONNX Runtime version the service is built against.
 */
class JetsonImageTest {

    static final Path REPO = Path.of("../..");
    static final Path IMAGE = REPO.resolve("jetson-image");

    @TempDir
    Path tmp;

    @Test
    void everyShellScriptPassesShellcheck() throws Exception {
        List<String> cmd = new ArrayList<>(List.of("shellcheck", "-x")); // -x: follow what scripts source
        try (Stream<Path> files = Stream.of("benchmarks", "jetson-image", "test-videos")
                .flatMap(d -> list(REPO.resolve(d)))) {
            files.filter(f -> f.toString().endsWith(".sh")).forEach(f -> cmd.add(REPO.relativize(f).toString()));
        }
        cmd.addAll(List.of("jetson-image/appliance", "demo", ".ci/run", "trainer/trainer", "trainer/launch"));
        assertThat(cmd).hasSizeGreaterThan(10);
        Process p;
        try {
            p = new ProcessBuilder(cmd).directory(REPO.toFile()).redirectErrorStream(true).start();
        } catch (java.io.IOException e) {
            throw new AssertionError("shellcheck not found: install the Debian package 'shellcheck' (.ci/run does)", e);
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(out).isZero();
    }

    @Test
    void theLauncherStartsTheAppliance() throws Exception {
        // Outside @TempDir, which complains about the symbolic links; removed below.
        Path home = Files.createTempDirectory("edgeinspect-launcher");
        try {
            launch(home);
        } finally {
            try (Stream<Path> all = Files.walk(home)) {
                for (Path f : (Iterable<Path>) all.sorted(java.util.Comparator.reverseOrder())::iterator) {
                    Files.delete(f);
                }
            }
        }
    }

    private void launch(Path home) throws Exception {
        Files.createDirectories(home.resolve("bin"));
        Files.createDirectories(home.resolve("lib"));
        Files.copy(IMAGE.resolve("appliance"), home.resolve("bin/appliance"));
        Files.copy(IMAGE.resolve("malloc.sh"), home.resolve("bin/malloc.sh"));
        int n = 0;
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            Path p = Path.of(entry);
            if (Files.isRegularFile(p)) {
                Files.createSymbolicLink(home.resolve("lib/" + (n++) + "-" + p.getFileName()), p.toAbsolutePath());
            } else if (Files.isDirectory(p) && p.endsWith("classes")) {
                // the service's own classes, as the package's edgeinspect-appliance.jar holds them
                Files.move(zip(p), home.resolve("lib/" + (n++) + "-classes.jar"));
            }
        }
        ProcessBuilder pb = new ProcessBuilder(home.resolve("bin/appliance").toString(), "--config",
                tmp.resolve("missing.yaml").toString()).redirectErrorStream(true);
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        pb.environment().put("EDGEINSPECT_NATIVE_CACHE", tmp.resolve("cache").toString());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(out).isEqualTo(2);
        assertThat(out).contains("no configuration file").contains("missing.yaml");
    }

    @Test
    void theExampleConfigurationIsAValidProductionOne() throws Exception {
        String yaml = Files.readString(IMAGE.resolve("appliance.example.yaml"))
                .replace("@DEVICE_ID@", "line7-box").replace("@GROUPS@", "\"line-7\", \"canary\"")
                .replace("@BROKER@", "ssl://broker.factory:8883").replace("@CAMERA@", "rtsp://camera-1/stream");
        ApplianceConfig c = ApplianceConfig.load(new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8)),
                "appliance.example.yaml", Map.of());
        assertThat(c.device().production()).isTrue();
        assertThat(c.device().groups()).containsExactly("line-7", "canary");
        assertThat(c.model().providers()).first().isEqualTo("tensorrt");
    }

    @Test
    void theImageBuildsTheOnnxRuntimeTheServiceIsBuiltAgainst() throws Exception {
        Matcher pom = Pattern.compile("<onnxruntime.version>([^<]+)</onnxruntime.version>")
                .matcher(Files.readString(REPO.resolve("pom.xml")));
        assertThat(pom.find()).isTrue();
        String version = pom.group(1);
        assertThat(Files.readString(IMAGE.resolve("Dockerfile"))).contains("ARG ORT_VERSION=" + version)
                .contains("onnxruntime-" + version + "-trt.jar").contains("CMAKE_CUDA_ARCHITECTURES=72")
                .contains("--use_tensorrt").contains("--build_java");
        assertThat(Files.readString(IMAGE.resolve("provision.sh"))).contains("onnxruntime-" + version + "-trt.jar");
    }

    private static Stream<Path> list(Path dir) {
        try {
            return Files.list(dir);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** A directory of classes as a jar, as the launcher's class path takes only jars. */
    private Path zip(Path classes) throws Exception {
        Path jar = Files.createTempFile(tmp, "classes", ".jar");
        try (var out = new java.util.zip.ZipOutputStream(Files.newOutputStream(jar)); Stream<Path> all = Files.walk(classes)) {
            for (Path f : (Iterable<Path>) all.filter(Files::isRegularFile)::iterator) {
                out.putNextEntry(new java.util.zip.ZipEntry(classes.relativize(f).toString().replace('\\', '/')));
                Files.copy(f, out);
                out.closeEntry();
            }
        }
        return jar;
    }
}
