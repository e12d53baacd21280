package io.streamcell.anomaly.nab;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamcell.files.FileErrors;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * NAB's labelled windows, {@code labels/combined_windows.json}:
 * {@code {"<category>/<name>.csv": [["<start>", "<end>"], ...], ...}}.
 */
public final class NabLabels {
    private NabLabels() {}

    /** The windows per file key ({@code <category>/<name>.csv}), sorted by key; each list by start. */
    public static Map<String, List<Window>> read(Path combinedWindowsJson) throws IOException {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(combinedWindowsJson.toFile());
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(FileErrors.syntax(combinedWindowsJson, e) + " (not valid JSON)", e);
        }
        try {
            return parse(root);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(combinedWindowsJson + ": " + e.getMessage(), e);
        }
    }

    /** The same from JSON text. */
    public static Map<String, List<Window>> parse(String json) throws IOException {
        return parse(new ObjectMapper().readTree(json));
    }

    private static Map<String, List<Window>> parse(JsonNode root) {
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException("expected an object of file -> list of [start, end] windows");
        }
        Map<String, List<Window>> labels = new TreeMap<>();
        for (Map.Entry<String, JsonNode> entry : root.properties()) {
            JsonNode list = entry.getValue();
            if (!list.isArray()) {
                throw new IllegalArgumentException(entry.getKey() + ": expected a list of [start, end] windows");
            }
            List<Window> windows = new ArrayList<>();
            for (JsonNode pair : list) {
                if (!pair.isArray()
                        || pair.size() != 2
                        || !pair.get(0).isTextual()
                        || !pair.get(1).isTextual()) {
                    throw new IllegalArgumentException(
                            entry.getKey() + ": expected a window [\"start\", \"end\"], got " + pair);
                }
                windows.add(Window.of(pair.get(0).asText(), pair.get(1).asText()));
            }
            windows.sort((a, b) -> a.start().compareTo(b.start()));
            labels.put(entry.getKey(), Collections.unmodifiableList(windows));
        }
        return Collections.unmodifiableMap(labels);
    }
}
