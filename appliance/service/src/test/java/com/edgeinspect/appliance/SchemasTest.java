package com.edgeinspect.appliance;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import io.vertx.json.schema.Draft;
import io.vertx.json.schema.JsonSchema;
import io.vertx.json.schema.JsonSchemaOptions;
import io.vertx.json.schema.OutputUnit;
import io.vertx.json.schema.Validator;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.junit.jupiter.api.Test;

/** The published manifest schema describes what the trainer really writes: the bundled model's manifest. */
class SchemasTest {

    @Test
    void theBundledManifestMatchesItsSchema() throws Exception {
        String manifest = null;
        try (ZipInputStream in = new ZipInputStream(Files.newInputStream(Harness.REPO.resolve("models/default.vimodel")))) {
            for (ZipEntry e; (e = in.getNextEntry()) != null; ) {
                if (e.getName().equals("manifest.json")) {
                    manifest = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                }
            }
        }
        Validator v = Validator.create(JsonSchema.of(new JsonObject(Files.readString(
                Harness.REPO.resolve("schemas/manifest.schema.json")))), new JsonSchemaOptions()
                .setDraft(Draft.DRAFT202012).setBaseUri("https://edgeinspect.local/"));
        OutputUnit r = v.validate(new JsonObject(manifest));
        assertThat(r.getValid()).as(String.valueOf(r.getErrors())).isTrue();
        JsonObject bad = new JsonObject(manifest).put("format", "edgeinspect-bundle/0");
        assertThat(v.validate(bad).getValid()).isFalse();
    }
}
