package io.streamcell.cli;

import io.streamcell.job.JobConfig;
import io.streamcell.job.JobConfigLoader;
import io.streamcell.job.KafkaForecastJob;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code streamcell run}: the forecast job against a real Kafka. Started with {@code java} (or
 * {@code ./streamcell run}) it runs on a local Flink; submitted with {@code flink run
 * target/streamcell.jar run ...} it runs on that cluster.
 */
@Command(
        name = "run",
        mixinStandardHelpOptions = true,
        versionProvider = StreamCellCli.Version.class,
        showDefaultValues = true,
        footerHeading = "%nExample:%n",
        footer = "  streamcell run --config job.yaml --set kafka.bootstrap-servers=localhost:9092",
        description = {
            "Run the forecast job against Kafka (locally, or on a cluster through `flink run`).",
            "Options: README.md \"Configuration\"."
        })
final class RunCommand implements Callable<Integer> {
    @Option(names = "--config", paramLabel = "job.yaml", description = "Job configuration file (YAML).")
    private Path config;

    @Option(
            names = "--set",
            paramLabel = "key=value",
            showDefaultValue = CommandLine.Help.Visibility.NEVER,
            description = "Override one option (repeatable), " + "e.g. --set kafka.bootstrap-servers=broker:9092")
    private List<String> overrides = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        JobConfig jobConfig = JobConfigLoader.load(config, overrides);
        KafkaForecastJob.environment(jobConfig).execute("streamcell forecast");
        return 0;
    }
}
