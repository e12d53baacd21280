package io.streamcell.job;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** docs/operations.md "Configuration" lists every option with its default, so the docs cannot drift from the code. */
class ConfigurationDocsTest {
    @Test
    void operationsGuideDocumentsEveryOptionWithItsDefault() throws IOException {
        String readme = Files.readString(Path.of("docs/operations.md"));
        for (JobConfigLoader.Option option : JobConfigLoader.OPTIONS) {
            assertThat(readme)
                    .as(option.name())
                    .contains("| `" + option.name() + "` | `" + option.defaultValue() + "` |");
        }
    }
}
