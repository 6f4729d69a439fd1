package com.edgeinspect.appliance.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Applies environment variables over a configuration tree, so one file serves a fleet and each box sets what differs
 * (its id, broker, camera URL) in its unit file: {@code PREFIX__MQTT__URL=ssl://broker:8883} sets {@code mqtt.url};
 * numbers select list items ({@code PREFIX__STREAMS__0__URL}). Values are read as YAML scalars, so numbers and
 * booleans keep their types.
 */
final class EnvOverrides {

    private EnvOverrides() {}

    static void apply(JsonNode root, Map<String, String> env, String prefix, ObjectMapper yaml) throws IOException {
        if (!(root instanceof ObjectNode)) {
            throw new IllegalArgumentException("(root): must be a mapping of sections");
        }
        for (Map.Entry<String, String> e : new TreeMap<>(env).entrySet()) {
            if (!e.getKey().startsWith(prefix)) {
                continue;
            }
            String[] path = e.getKey().substring(prefix.length()).toLowerCase(Locale.ROOT).split("__");
            JsonNode node = root;
            for (int i = 0; i < path.length - 1; i++) {
                node = child(node, path[i], e.getKey());
            }
            JsonNode value = yaml.readTree(e.getValue());
            String last = path[path.length - 1];
            if (node instanceof ArrayNode a) {
                a.set(index(a, last, e.getKey()), value);
            } else {
                ((ObjectNode) node).set(last, value);
            }
        }
    }

    private static JsonNode child(JsonNode node, String key, String variable) {
        if (node instanceof ArrayNode a) {
            return a.get(index(a, key, variable));
        }
        JsonNode c = node.get(key);
        if (c == null || c.isNull()) {
            c = ((ObjectNode) node).putObject(key);
        }
        if (!c.isContainerNode()) {
            throw new IllegalArgumentException(variable + ": '" + key + "' is a value, not a section");
        }
        return c;
    }

    private static int index(ArrayNode a, String key, String variable) {
        try {
            int i = Integer.parseInt(key);
            if (i >= 0 && i < a.size()) {
                return i;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new IllegalArgumentException(variable + ": '" + key + "' is not an index of a list of " + a.size());
    }
}
