package io.streamcell.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The metric tables of the operations guide: what an operator is told to find in Prometheus. */
public final class DocumentedMetrics {
    /** Where the tables are. */
    public static final Path DOCS = Path.of("docs/operations.md");

    public static final String SECTION = "Metrics";

    private DocumentedMetrics() {}

    /** Prometheus name (with {@code <placeholders>}) to status (last column: available, UI/REST only, ...). */
    public static Map<String, String> all() throws IOException {
        Map<String, String> metrics = new LinkedHashMap<>();
        Pattern row = Pattern.compile("^\\| `(flink_[^`]+)` \\|.*\\| ([^|]+) \\|$");
        for (String line : section().split("\n")) {
            Matcher matcher = row.matcher(line.trim());
            if (matcher.matches()) {
                metrics.put(matcher.group(1), matcher.group(2).trim());
            }
        }
        assertThat(metrics).hasSizeGreaterThanOrEqualTo(15);
        return metrics;
    }

    /** The names marked available, as patterns: a {@code <placeholder>} stands for any name part. */
    public static Map<String, Pattern> available() throws IOException {
        Map<String, Pattern> available = new LinkedHashMap<>();
        all().forEach((name, status) -> {
            if (status.equals("available")) {
                available.put(name, Pattern.compile(Pattern.quote(name).replaceAll("<[a-z]+>", "\\\\E[a-z_]+\\\\Q")));
            }
        });
        return available;
    }

    /** The text of the section, from its heading to the next heading of the same level. */
    public static String section() throws IOException {
        String docs = Files.readString(DOCS);
        Matcher heading =
                Pattern.compile("(?m)^(#+) " + Pattern.quote(SECTION) + "$").matcher(docs);
        assertThat(heading.find()).as(DOCS + " section " + SECTION).isTrue();
        String level = heading.group(1);
        Matcher next = Pattern.compile("(?m)^#{1," + level.length() + "} ").matcher(docs);
        int end = next.find(heading.end()) ? next.start() : docs.length();
        return docs.substring(heading.start(), end);
    }
}
