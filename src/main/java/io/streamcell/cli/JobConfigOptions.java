package io.streamcell.cli;

import io.streamcell.job.JobConfig;
import io.streamcell.job.JobConfigLoader;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * {@code --config job.yaml} and {@code --set key=value}, for the commands that step as a job
 * configuration says (replay, evaluate); a picocli mixin.
 */
final class JobConfigOptions {
    @Option(
            names = "--config",
            paramLabel = "job.yaml",
            description = "Step as this job configuration does (the file `run` takes): model.path (unless --model), "
                    + "ordering.*, state.reset-after-gap, adaptation.* and stepping.*. Kafka options are not used.")
    private Path config;

    @Option(
            names = "--set",
            paramLabel = "key=value",
            showDefaultValue = CommandLine.Help.Visibility.NEVER,
            description = "With --config: override one job option (repeatable), as `run --set` does.")
    private List<String> overrides = new ArrayList<>();

    boolean given() {
        return config != null;
    }

    /** The configuration, or null without {@code --config}. */
    JobConfig load() throws IOException {
        if (config == null) {
            if (!overrides.isEmpty()) {
                throw new IllegalArgumentException(
                        "--set needs --config (it overrides the job configuration's options)");
            }
            return null;
        }
        return JobConfigLoader.load(config, overrides);
    }
}
