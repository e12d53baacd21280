package io.streamcell.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mistakes in what a user gives the commands are reported as a user can act on them: where the value
 * was set (the {@code --set} argument, or file:line:column), the closest known option, what is wrong
 * in words, and never a library's class name or an excerpt of its internals.
 */
class ConfigurationErrorsTest {
    @TempDir
    Path temp;

    @Test
    void setTypoNamesTheSetArgumentAndSuggestsTheOption() {
        CliRun run = CliRun.of("run", "--set", "kafka.bootstrap-server=x:1");

        assertThat(run.exitCode()).isEqualTo(StreamCellCli.EXIT_FAILURE);
        assertThat(run.err())
                .contains("--set kafka.bootstrap-server=x:1: unknown option 'kafka.bootstrap-server'")
                .contains("(did you mean 'kafka.bootstrap-servers'?)");
        assertNoInternals(run.err());
    }

    @Test
    void fileTypoNamesTheFileLineAndColumn() throws IOException {
        Path job = temp.resolve("job.yaml");
        Files.writeString(job, "kafka:\n  bootstrap-servers: x:1\nordering:\n  max-out-of-ordernes: 5s\n");

        CliRun run = CliRun.of("run", "--config", job.toString());

        assertThat(run.exitCode()).isEqualTo(StreamCellCli.EXIT_FAILURE);
        assertThat(run.err())
                .contains(job + ":4:3: unknown option 'ordering.max-out-of-ordernes'")
                .contains("(did you mean 'ordering.max-out-of-orderness'?)");
        assertNoInternals(run.err());
    }

    @Test
    void valueErrorsAreSaidInWords() {
        CliRun run = CliRun.of(
                "run",
                "--set",
                "kafka.bootstrap-servers=x:1",
                "--set",
                "parallelism=abc",
                "--set",
                "adaptation.forgetting=most");

        assertThat(run.exitCode()).isEqualTo(StreamCellCli.EXIT_FAILURE);
        assertThat(run.err())
                .contains("--set parallelism=abc: parallelism: 'abc' is not a whole number")
                .contains("--set adaptation.forgetting=most: adaptation.forgetting: 'most' is not a number")
                .doesNotContain("For input string");
        assertNoInternals(run.err());
    }

    @Test
    void flinkOptionWithoutItsPrefixSuggestsThePrefix() {
        CliRun run = CliRun.of("run", "--set", "kafka.bootstrap-servers=x:1", "--set", "execution.buffer-timeout=5ms");

        assertThat(run.exitCode()).isEqualTo(StreamCellCli.EXIT_FAILURE);
        assertThat(run.err()).contains("did you mean 'flink.execution.buffer-timeout'?");
    }

    @Test
    void yamlSyntaxErrorNamesTheFileAndPosition() throws IOException {
        Path job = temp.resolve("broken.yaml");
        Files.writeString(job, "kafka:\n  bootstrap-servers: x:1\n  group-id: a: b\n");

        CliRun run = CliRun.of("run", "--config", job.toString());

        assertThat(run.exitCode()).isEqualTo(StreamCellCli.EXIT_FAILURE);
        assertThat(run.err().strip().lines()).hasSize(1);
        assertThat(run.err()).startsWith("error: " + job + ":3:").contains("not valid YAML");
        assertNoInternals(run.err());
    }

    @Test
    void labelsThatAreNotJsonNameTheFileAndPosition() throws IOException {
        Path data = Files.createDirectories(temp.resolve("data/synthetic"));
        Files.writeString(data.resolve("a.csv"), "timestamp,value\n2024-01-01 00:00:00,1\n");
        Path labels = temp.resolve("labels.json");
        Files.writeString(labels, "{\"synthetic/a.csv\": [\n  nope\n]}\n");

        CliRun run = CliRun.of(
                "evaluate",
                "--data",
                temp.resolve("data").toString(),
                "--labels",
                labels.toString(),
                "--results",
                temp.resolve("results").toString());

        assertThat(run.exitCode()).isEqualTo(StreamCellCli.EXIT_FAILURE);
        assertThat(run.err().strip().lines()).hasSize(1);
        assertThat(run.err()).startsWith("error: " + labels + ":2:").contains("not valid JSON");
        assertNoInternals(run.err());
    }

    @Test
    void aFileThatCannotBeWrittenIsSaidInWords() {
        // sysfs refuses new files even to root, so this fails for every user
        CliRun run = CliRun.of("generate", "--keys", "1", "--steps", "2", "--output", "/sys/kernel/readings.csv");

        assertThat(run.exitCode()).isEqualTo(StreamCellCli.EXIT_FAILURE);
        assertThat(run.err().strip().lines()).hasSize(1);
        assertThat(run.err()).startsWith("error: ").contains("/sys/kernel");
        assertThat(run.err().toLowerCase()).containsAnyOf("permission denied", "read-only file system");
        assertNoInternals(run.err());
    }

    private static void assertNoInternals(String message) {
        assertThat(message)
                .doesNotContain("Exception", "com.fasterxml", "org.yaml", "java.", "REDACTED", "\tat ")
                .doesNotContainPattern("[a-z]+\\.[a-z]+\\.[A-Z][A-Za-z]+");
    }
}
