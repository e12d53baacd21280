package io.streamcell;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The documentation as a reader of a clone finds it: a README that fits on a page and leads into
 * docs/, links that all lead to files of the repository (and headings that exist), no link that
 * leaves the repository, and no tracker language in what users read.
 */
class DocsTest {
    /** About 12 KB: what a reader takes in at once. */
    private static final int README_MAX_BYTES = 12 * 1024;

    /** What users read: everything but the test fixtures' notes. */
    private static final List<Path> USER_DOCS = List.of(
            Path.of("README.md"),
            Path.of("CONTRIBUTING.md"),
            Path.of("deploy/README.md"),
            Path.of("schemas/README.md"),
            Path.of("tools/README.md"),
            Path.of("docs/operations.md"),
            Path.of("docs/model-format.md"),
            Path.of("docs/forecasting.md"),
            Path.of("docs/evaluation.md"),
            Path.of("docs/nab-scoring.md"),
            Path.of("docs/benchmarks.md"),
            Path.of("docs/security.md"));

    private static final Pattern LINK = Pattern.compile("\\[[^\\]]*]\\(([^)\\s]+)(?:\\s+\"[^\"]*\")?\\)");
    private static final Pattern AUTOLINK = Pattern.compile("<(\\w+://[^>]+)>");
    private static final Pattern BARE_URL = Pattern.compile("\\b(?:https?|ftp)://[^\\s)>`]+");

    @Test
    void readmeFitsOnAPageAndLeadsIntoTheDocs() throws IOException {
        long size = Files.size(Path.of("README.md"));
        String readme = Files.readString(Path.of("README.md"));

        assertThat(size).as("README.md bytes").isLessThanOrEqualTo(README_MAX_BYTES);
        assertThat(readme)
                .contains("## Quick start", "## Commands", "## Documentation")
                .contains(
                        "(docs/operations.md)",
                        "(deploy/README.md)",
                        "(docs/model-format.md)",
                        "(CONTRIBUTING.md)",
                        "(docs/benchmarks.md)");
        assertThat(Path.of("LICENSE")).content().contains("Apache License", "Version 2.0, January 2004");
        assertThat(Path.of("NOTICE")).exists();
    }

    @Test
    void everyLinkStaysInTheRepositoryAndLeadsSomewhere() throws IOException {
        List<String> problems = new ArrayList<>();
        for (Path doc : markdownFiles()) {
            String text = Files.readString(doc);
            Matcher link = LINK.matcher(text);
            while (link.find()) {
                String target = link.group(1);
                if (target.matches("^[a-zA-Z][a-zA-Z0-9+.-]*:.*")) {
                    problems.add(doc + ": link leaves the repository: " + target);
                    continue;
                }
                int hash = target.indexOf('#');
                String file = hash < 0 ? target : target.substring(0, hash);
                String anchor = hash < 0 ? null : target.substring(hash + 1);
                Path resolved = file.isEmpty() ? doc : doc.resolveSibling(file).normalize();
                if (resolved.startsWith("..") || resolved.isAbsolute()) {
                    problems.add(doc + ": link outside the repository: " + target);
                } else if (!Files.exists(resolved)) {
                    problems.add(doc + ": link to a missing file: " + target);
                } else if (anchor != null
                        && resolved.toString().endsWith(".md")
                        && !anchors(resolved).contains(anchor)) {
                    problems.add(doc + ": link to a missing heading: " + target);
                }
            }
            Matcher autolink = AUTOLINK.matcher(text);
            while (autolink.find()) {
                problems.add(doc + ": link leaves the repository: " + autolink.group(1));
            }
            Matcher url = BARE_URL.matcher(withoutCode(text));
            while (url.find()) {
                if (!url.group().matches("https?://(localhost|127\\.0\\.0\\.1)([:/].*)?")) {
                    problems.add(doc + ": address outside the repository: " + url.group());
                }
            }
        }
        assertThat(problems).isEmpty();
    }

    @Test
    void userDocsSpeakOfTheProductNotOfItsTracker() throws IOException {
        Pattern tracker = Pattern.compile(
                "(?i)\\b(issues?|item \\d+|the ticket|acceptance)\\b|(?<![\\w&`/])#\\d+\\b|\\.\\./shared|DESIGN\\.md");
        List<String> problems = new ArrayList<>();
        for (Path doc : USER_DOCS) {
            String[] lines = Files.readString(doc).split("\n");
            for (int i = 0; i < lines.length; i++) {
                Matcher found = tracker.matcher(lines[i]);
                if (found.find()) {
                    problems.add(doc + ":" + (i + 1) + ": " + found.group() + " in: " + lines[i].strip());
                }
            }
        }
        assertThat(problems).isEmpty();
    }

    /** Every Markdown file of the repository (not the build's output). */
    private static List<Path> markdownFiles() throws IOException {
        try (Stream<Path> files = Files.walk(Path.of("."))) {
            List<Path> docs = files.map(p -> Path.of(".").relativize(p))
                    .filter(p -> p.toString().endsWith(".md"))
                    .filter(p -> !p.startsWith("target") && !p.startsWith(".git") && !p.startsWith("node_modules"))
                    .toList();
            assertThat(docs).containsAll(USER_DOCS);
            return docs;
        }
    }

    /** The GitHub-style anchors of a Markdown file's headings. */
    private static List<String> anchors(Path markdown) throws IOException {
        List<String> anchors = new ArrayList<>();
        boolean fenced = false;
        for (String line : Files.readAllLines(markdown)) {
            if (line.startsWith("```")) {
                fenced = !fenced;
            } else if (!fenced && line.startsWith("#")) {
                String heading = line.replaceFirst("^#+\\s*", "").strip();
                anchors.add(heading.toLowerCase(Locale.ROOT)
                        .replaceAll("[^\\p{L}\\p{N} _-]", "")
                        .replace(' ', '-'));
            }
        }
        return anchors;
    }

    /** The text without fenced code blocks and inline code: commands may name any address. */
    private static String withoutCode(String markdown) {
        return markdown.replaceAll("(?s)```.*?```", "").replaceAll("`[^`\n]*`", "");
    }
}
