package io.streamcell.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Every command answers {@code --help}, {@code -h} and {@code --version} as a user types them: exit
 * code 0, a usage text with an example, defaults in one style, and no names of our classes.
 */
class HelpOptionsTest {
    /** CamelCase names of our own classes (ProgressLine, ReplayEngine, ...), which a user never sees. */
    private static Set<String> classNames;

    @BeforeAll
    static void readClassNames() throws IOException {
        Set<String> schemas = new TreeSet<>();
        try (Stream<Path> files = Files.list(Path.of("schemas"))) {
            files.map(f -> f.getFileName().toString())
                    .filter(n -> n.endsWith(".avsc"))
                    .forEach(n -> schemas.add(n.substring(0, n.length() - ".avsc".length())));
        }
        classNames = new TreeSet<>();
        try (Stream<Path> files = Files.walk(Path.of("src/main/java"))) {
            files.map(f -> f.getFileName().toString())
                    .filter(n -> n.endsWith(".java"))
                    .map(n -> n.substring(0, n.length() - ".java".length()))
                    .filter(n -> n.matches("[A-Z][a-z0-9]+[A-Z][A-Za-z0-9]*"))
                    .filter(n -> !schemas.contains(n)) // message names users know from the schemas
                    .forEach(classNames::add);
        }
        assertThat(classNames).contains("StreamCellCli", "ReplayEngine", "TrainingOptions");
    }

    static List<String> commands() {
        List<String> names = new ArrayList<>(List.of(""));
        StreamCellCli.newCommandLine().getSubcommands().keySet().stream()
                .filter(name -> !name.equals("help"))
                .forEach(names::add);
        assertThat(names).contains("demo", "run", "replay", "train", "evaluate", "publish-model");
        return names;
    }

    @ParameterizedTest(name = "streamcell {0} --help")
    @MethodSource("commands")
    void helpOptionsPrintTheUsageWithAnExample(String command) {
        for (String help : List.of("--help", "-h")) {
            CliRun run = CliRun.of(args(command, help));

            assertThat(run.exitCode()).as(run.err()).isZero();
            assertThat(run.err()).isEmpty();
            assertThat(run.out())
                    .startsWith("Usage: streamcell" + (command.isEmpty() ? "" : " " + command))
                    .contains("-h, --help", "-V, --version", "Example:\n  streamcell " + command);
        }
    }

    @ParameterizedTest(name = "streamcell {0} --version")
    @MethodSource("commands")
    void versionPrintsTheReleaseAndTheCommit(String command) {
        CliRun run = CliRun.of(args(command, "--version"));

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out().trim())
                .matches("streamcell \\d+\\.\\d+\\.\\d+(-SNAPSHOT)? \\(commit [0-9a-f]{7,}(, modified)?\\)");
    }

    @ParameterizedTest(name = "streamcell {0}: help text")
    @MethodSource("commands")
    void helpNamesNoClassAndShowsDefaultsOneWay(String command) {
        String usage = CliRun.of(args(command, "--help")).out();

        Matcher word = Pattern.compile("[A-Za-z][A-Za-z0-9]*").matcher(usage);
        while (word.find()) {
            assertThat(classNames)
                    .as("class name in the help of '" + command + "'")
                    .doesNotContain(word.group());
        }
        assertThat(usage).doesNotContain("io.streamcell", "(default", "${", "Default: []", "Default: {}");
        assertThat(usage).as("every option names its value").doesNotContainPattern("--[a-z-]+=<");
        CommandLine commandLine = StreamCellCli.newCommandLine();
        CommandLine target =
                command.isEmpty() ? commandLine : commandLine.getSubcommands().get(command);
        for (OptionSpec option : target.getCommandSpec().options()) {
            if (option.defaultValue() != null && !option.usageHelp() && !option.versionHelp()) {
                assertThat(usage)
                        .as(option.longestName() + " shows its default")
                        .contains("Default: " + option.defaultValue());
            }
        }
    }

    private static String[] args(String command, String option) {
        return command.isEmpty() ? new String[] {option} : new String[] {command, option};
    }
}
