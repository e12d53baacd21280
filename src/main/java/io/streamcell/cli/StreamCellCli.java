package io.streamcell.cli;

import io.streamcell.files.FileErrors;
import io.streamcell.io.csv.CsvFormatException;
import io.streamcell.model.ModelFormatException;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.util.Properties;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code streamcell}: the command line. Each subcommand lives in its own class. */
@Command(
        name = "streamcell",
        mixinStandardHelpOptions = true,
        versionProvider = StreamCellCli.Version.class,
        description = "Per-key LSTM/GRU forecasting and anomaly alerting on Apache Flink.",
        footerHeading = "%nExample:%n",
        footer = {"  streamcell demo", "  streamcell help replay"},
        subcommands = {
            DemoCommand.class,
            RunCommand.class,
            ReplayCommand.class,
            InspectCommand.class,
            GenerateCommand.class,
            TrainCommand.class,
            EvaluateCommand.class,
            GenerateCorpusCommand.class,
            GenerateSignalsCommand.class,
            ForecastEvalCommand.class,
            PublishModelCommand.class,
            ConsumeCommand.class,
            CommandLine.HelpCommand.class
        })
public final class StreamCellCli implements Runnable {

    /** Exit code for a failure the user can fix (bad file, bad column); 2 is picocli's usage error. */
    public static final int EXIT_FAILURE = 1;

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    public static void main(String[] args) {
        int code = execute(args);
        // Inside Flink (REST/web submission, application mode) main() runs in the JobManager's JVM:
        // System.exit would take the JobManager down right after the job was submitted. There the
        // caller ends the program; a failure still exits non-zero so it is not mistaken for success.
        if (code != 0 || !runningAsFlinkUserCode()) {
            System.exit(code);
        }
    }

    /** Whether this class was loaded by a Flink user-code class loader (no Flink import: main must run without Flink). */
    static boolean runningAsFlinkUserCode() {
        for (Class<?> c = StreamCellCli.class.getClassLoader().getClass(); c != null; c = c.getSuperclass()) {
            if (c.getName().equals("org.apache.flink.util.FlinkUserCodeClassLoader")) {
                return true;
            }
        }
        return false;
    }

    /** Runs the command line and returns the exit code (for tests: no System.exit). */
    public static int execute(String... args) {
        return newCommandLine().execute(args);
    }

    public static CommandLine newCommandLine() {
        CommandLine commandLine = new CommandLine(new StreamCellCli());
        commandLine.setExecutionExceptionHandler(StreamCellCli::handleFailure);
        return commandLine;
    }

    /** Expected failures get one clear line on stderr; anything else keeps its stack trace. */
    private static int handleFailure(Exception e, CommandLine commandLine, CommandLine.ParseResult parseResult) {
        PrintWriter err = commandLine.getErr();
        if (e instanceof ModelFormatException
                || e instanceof CsvFormatException
                || e instanceof IllegalArgumentException) {
            err.println("error: " + e.getMessage());
        } else if (e instanceof IOException io) {
            err.println("error: " + FileErrors.describe(io));
        } else {
            err.println("error: unexpected failure");
            e.printStackTrace(err);
        }
        err.flush();
        return EXIT_FAILURE;
    }

    /**
     * {@code --version}: the release and the commit the build came from, read from the build
     * properties Maven writes (the release alone when the build had no Git repository).
     */
    static final class Version implements CommandLine.IVersionProvider {
        static final String BUILD_PROPERTIES = "/io/streamcell/build.properties";

        @Override
        public String[] getVersion() throws IOException {
            Properties build = new Properties();
            try (InputStream in = StreamCellCli.class.getResourceAsStream(BUILD_PROPERTIES)) {
                if (in != null) {
                    build.load(in);
                }
            }
            String version = build.getProperty("version", "(development build)");
            String commit = build.getProperty("commit", "");
            if (commit.isBlank()) {
                return new String[] {"streamcell " + version + " (commit unknown)"};
            }
            boolean modified = Boolean.parseBoolean(build.getProperty("modified", "false"));
            return new String[] {"streamcell " + version + " (commit " + commit + (modified ? ", modified" : "") + ")"};
        }
    }
}
