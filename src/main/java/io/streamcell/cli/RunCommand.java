package io.streamcell.cli;

import io.streamcell.job.JobConfig;
import io.streamcell.job.JobConfigLoader;
import io.streamcell.job.KafkaForecastJob;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.DeploymentOptions;
import org.apache.flink.configuration.ReadableConfig;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.client.JobCancellationException;
import org.apache.flink.streaming.api.environment.LocalStreamEnvironment;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code streamcell run}: the forecast job against a real Kafka. Started with {@code java} (or
 * {@code ./streamcell run}) it runs on a local Flink; submitted with {@code flink run
 * target/streamcell.jar run ...} it runs on that cluster. It checks the broker and the topics first
 * and stops with one line if they are not there; once the job is submitted it prints the job id and
 * where the Flink web UI is.
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
            "Stops with an error if no broker answers within kafka.connect-timeout (30s) or a topic it reads "
                    + "is missing; prints the job id and the web UI address once the job is submitted.",
            "Options: docs/operations.md \"Configuration\"."
        })
final class RunCommand implements Callable<Integer> {
    /** The job's name in Flink (the web UI, {@code flink list}, the compose submitter). */
    static final String JOB_NAME = "streamcell forecast";

    /** Ports the local web UI tries, as the demo's does. */
    private static final int FIRST_UI_PORT = 8081;

    private static final int LAST_UI_PORT = 8099;

    @Spec
    private CommandSpec spec;

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
        Configuration flink = KafkaForecastJob.flinkConfiguration(jobConfig);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(flink);
        String webUi;
        if (env instanceof LocalStreamEnvironment) {
            // A local Flink: its web UI on a port known before it starts, so it can be printed.
            if (!flink.contains(RestOptions.PORT) && !flink.contains(RestOptions.BIND_PORT)) {
                flink.set(RestOptions.BIND_PORT, Integer.toString(freePort()));
            }
            env = StreamExecutionEnvironment.createLocalEnvironment(flink);
            webUi = "http://localhost:"
                    + flink.get(RestOptions.BIND_PORT, Integer.toString(flink.get(RestOptions.PORT)));
        } else {
            ReadableConfig cluster = env.getConfiguration();
            webUi = "http://" + cluster.get(RestOptions.ADDRESS) + ":" + cluster.get(RestOptions.PORT);
        }
        KafkaForecastJob.addTo(env, jobConfig); // checks the broker and the topics: one line if missing
        JobClient job = env.executeAsync(JOB_NAME);
        PrintWriter out = spec.commandLine().getOut();
        out.println(
                "streamcell run: job " + job.getJobID() + " (" + JOB_NAME + ") submitted; Flink web UI on " + webUi);
        out.flush();
        if (env.getConfiguration().get(DeploymentOptions.ATTACHED)) {
            try {
                job.getJobExecutionResult().get(); // a streaming job: until it is cancelled or fails
            } catch (ExecutionException e) {
                if (!cancelled(e)) {
                    throw e;
                }
                out.println("streamcell run: job " + job.getJobID() + " was cancelled");
                out.flush();
            }
        }
        return 0;
    }

    /** Whether the job ended because it was cancelled (web UI, REST API, {@code flink cancel}). */
    private static boolean cancelled(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof JobCancellationException) {
                return true;
            }
        }
        return false;
    }

    /** The first free port of the web UI's range, or any free port if they are all taken. */
    private static int freePort() throws IOException {
        for (int port = FIRST_UI_PORT; port <= LAST_UI_PORT; port++) {
            try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
                socket.setReuseAddress(true);
                return port;
            } catch (IOException taken) {
                // next
            }
        }
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
