package io.streamcell.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs a tool of the JDK the tests run on ({@code keytool}, {@code jcmd}, {@code jstat}). */
public final class JdkTools {
    private JdkTools() {}

    /** Runs {@code tool} with {@code args} and returns its output (stdout and stderr); fails unless it exits 0 within a minute. */
    public static String run(String tool, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", tool).toString());
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IOException(tool + " " + String.join(" ", args) + " failed: " + output.strip());
        }
        return output;
    }
}
