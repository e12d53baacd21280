package io.streamcell.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

/**
 * A real standalone Flink session cluster for tests: one JobManager process and any number of
 * TaskManager processes, started with {@code java} from the Flink runtime on the classpath Maven
 * wrote to {@code target/provided-classpath.txt} (no Flink distribution, no Docker), each logging
 * to its own file in the cluster's directory. Jobs are submitted through the REST API exactly as
 * {@code flink run} or the web UI would: the jar is uploaded, its {@code main} runs on the
 * JobManager.
 *
 * <p>Every process is killed in {@link #close()} and, should the test JVM die first, by a shutdown
 * hook. {@link #killTaskManager(int)} is {@code kill -9}.
 *
 * <pre>{@code
 * try (StandaloneCluster cluster = StandaloneCluster.builder(dir).taskManagers(2).slotsPerTaskManager(2).start()) {
 *     String jar = cluster.uploadJar(Path.of("target/streamcell.jar"));
 *     String job = cluster.runJar(jar, List.of("run", "--config", "job.yaml"), null);
 *     cluster.awaitRunning(job, Duration.ofMinutes(1));
 * }
 * }</pre>
 */
public final class StandaloneCluster implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** What Flink's own scripts give every process on Java 17 ({@code env.java.opts.all} in its default config). */
    private static final List<String> MODULE_OPTIONS = List.of(
            "--add-exports=java.rmi/sun.rmi.registry=ALL-UNNAMED",
            "--add-exports=java.security.jgss/sun.security.krb5=ALL-UNNAMED",
            "--add-opens=java.base/java.lang=ALL-UNNAMED",
            "--add-opens=java.base/java.net=ALL-UNNAMED",
            "--add-opens=java.base/java.io=ALL-UNNAMED",
            "--add-opens=java.base/java.nio=ALL-UNNAMED",
            "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
            "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
            "--add-opens=java.base/java.text=ALL-UNNAMED",
            "--add-opens=java.base/java.time=ALL-UNNAMED",
            "--add-opens=java.base/java.util=ALL-UNNAMED",
            "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
            "--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED",
            "--add-opens=java.base/java.util.concurrent.locks=ALL-UNNAMED");

    private final Path dir;
    private final Path confDir;
    private final String classpath;
    private final Map<String, String> environment;
    private final List<String> taskManagerJvmOptions;
    private final int restPort;
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private final List<Process> taskManagers = new ArrayList<>();
    private final List<Path> logs = new ArrayList<>();
    private final Thread shutdownHook;
    private Process jobManager;
    private int taskManagersStarted;

    private StandaloneCluster(Builder builder) throws IOException {
        this.dir = Files.createDirectories(builder.dir);
        this.confDir = Files.createDirectories(dir.resolve("conf"));
        this.classpath = builder.classpath;
        this.environment = Map.copyOf(builder.environment);
        this.taskManagerJvmOptions = List.copyOf(builder.taskManagerJvmOptions);
        this.restPort = freePort();
        writeConfiguration(builder);
        this.shutdownHook = new Thread(this::destroyAll, "standalone-cluster-shutdown");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    public static Builder builder(Path dir) {
        return new Builder(dir);
    }

    /** The cluster's directory: configuration, logs, checkpoints, savepoints. */
    public Path directory() {
        return dir;
    }

    private void writeConfiguration(Builder builder) throws IOException {
        Map<String, String> conf = new LinkedHashMap<>();
        conf.put("jobmanager.rpc.address", "localhost");
        conf.put("jobmanager.rpc.port", Integer.toString(freePort()));
        conf.put("jobmanager.bind-host", "localhost");
        conf.put("taskmanager.bind-host", "localhost");
        conf.put("taskmanager.host", "localhost");
        conf.put("rest.address", "localhost");
        conf.put("rest.bind-address", "localhost");
        conf.put("rest.port", Integer.toString(restPort));
        // The job jar (ND4J's natives included) is larger than the REST server's 100 MiB default.
        conf.put("rest.server.max-content-length", Integer.toString(512 * 1024 * 1024));
        conf.put("web.upload.dir", dir.resolve("upload").toString());
        conf.put("io.tmp.dirs", dir.resolve("tmp").toString());
        conf.put("blob.storage.directory", dir.resolve("blobs").toString());
        conf.put("taskmanager.numberOfTaskSlots", Integer.toString(builder.slotsPerTaskManager));
        conf.put("parallelism.default", "1");
        // Small, explicit memory: the machine is shared.
        conf.put("jobmanager.memory.process.size", "768m");
        // Started without Flink's scripts, a TaskManager needs every resource option set explicitly.
        conf.put("taskmanager.cpu.cores", "1");
        conf.put("taskmanager.memory.task.heap.size", "256m");
        conf.put("taskmanager.memory.managed.size", "16m");
        conf.put("taskmanager.memory.framework.heap.size", "96m");
        conf.put("taskmanager.memory.framework.off-heap.size", "64m");
        conf.put("taskmanager.memory.task.off-heap.size", "0m");
        conf.put("taskmanager.memory.network.min", "32m");
        conf.put("taskmanager.memory.network.max", "32m");
        conf.put("taskmanager.memory.jvm-metaspace.size", "256m");
        conf.put("taskmanager.memory.jvm-overhead.min", "64m");
        conf.put("taskmanager.memory.jvm-overhead.max", "64m");
        // A killed TaskManager is noticed within seconds (its RPC endpoint is gone), not 50 s.
        conf.put("heartbeat.interval", "1000");
        conf.put("heartbeat.timeout", "8000");
        conf.put("web.exception-history-size", "1000"); // failures(): every failure, not the last 16
        conf.put("restart-strategy.type", "fixed-delay");
        conf.put("restart-strategy.fixed-delay.attempts", "50");
        conf.put("restart-strategy.fixed-delay.delay", "1 s");
        conf.put(
                "execution.checkpointing.dir",
                dir.resolve("checkpoints").toUri().toString());
        conf.put(
                "execution.checkpointing.savepoint-dir",
                dir.resolve("savepoints").toUri().toString());
        // Spread a job's subtasks over the TaskManagers, so that killing one hits running tasks.
        conf.put("taskmanager.load-balance.mode", "SLOTS");
        conf.putAll(builder.configuration);
        StringBuilder yaml = new StringBuilder();
        conf.forEach((key, value) ->
                yaml.append(key).append(": ").append(quote(value)).append('\n'));
        Files.writeString(confDir.resolve("config.yaml"), yaml.toString());
        Files.writeString(
                confDir.resolve("log4j.properties"),
                String.join(
                        "\n",
                        "rootLogger.level = INFO",
                        "rootLogger.appenderRef.file.ref = file",
                        "appender.file.type = File",
                        "appender.file.name = file",
                        "appender.file.fileName = ${sys:log.file}",
                        "appender.file.layout.type = PatternLayout",
                        "appender.file.layout.pattern = %d{HH:mm:ss,SSS} %-5p %c - %m%n",
                        "logger.kafka.name = org.apache.kafka",
                        "logger.kafka.level = WARN",
                        "logger.metricgroups.name = org.apache.flink.metrics.MetricGroup",
                        "logger.metricgroups.level = ERROR",
                        ""));
    }

    private static String quote(String value) {
        return "'" + value.replace("'", "''") + "'";
    }

    /** Starts the JobManager and the TaskManagers and waits until all their slots are registered. */
    private StandaloneCluster start(int taskManagerCount) throws IOException, InterruptedException {
        jobManager = launch(
                "jobmanager",
                "org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint",
                List.of("-Xmx384m", "-XX:MaxMetaspaceSize=256m"));
        for (int i = 0; i < taskManagerCount; i++) {
            startTaskManager();
        }
        awaitTaskManagers(taskManagerCount, Duration.ofMinutes(2));
        return this;
    }

    /** Starts one more TaskManager (it registers with the JobManager by itself); returns its index. */
    public synchronized int startTaskManager() throws IOException {
        List<String> jvm =
                new ArrayList<>(List.of("-Xmx352m", "-XX:MaxMetaspaceSize=256m", "-XX:MaxDirectMemorySize=160m"));
        jvm.addAll(taskManagerJvmOptions);
        String name = "taskmanager-" + taskManagersStarted++;
        Process process = launch(
                name,
                "org.apache.flink.runtime.taskexecutor.TaskManagerRunner",
                jvm,
                "-Dtaskmanager.resource-id=" + name);
        taskManagers.add(process);
        return taskManagers.size() - 1;
    }

    /** {@code kill -9} of the TaskManager started as number {@code index}. */
    public synchronized void killTaskManager(int index) throws InterruptedException {
        Process process = taskManagers.get(index);
        process.destroyForcibly(); // SIGKILL on Linux
        process.waitFor();
    }

    /** The operating-system process id of the TaskManager started as number {@code index}. */
    public synchronized long taskManagerPid(int index) {
        return taskManagers.get(index).pid();
    }

    /** A GET of the REST API, e.g. {@code /taskmanagers/taskmanager-0/metrics?get=...}. */
    public JsonNode rest(String path) throws IOException, InterruptedException {
        return get(path);
    }

    /** Indexes of the TaskManagers that are still alive. */
    public synchronized List<Integer> liveTaskManagers() {
        List<Integer> live = new ArrayList<>();
        for (int i = 0; i < taskManagers.size(); i++) {
            if (taskManagers.get(i).isAlive()) {
                live.add(i);
            }
        }
        return live;
    }

    /** Indexes of the live TaskManagers that run tasks (some slot taken), as the JobManager sees them. */
    public List<Integer> busyTaskManagers() throws IOException, InterruptedException {
        List<Integer> busy = new ArrayList<>();
        List<Integer> live = liveTaskManagers();
        for (JsonNode taskManager : get("/taskmanagers").path("taskmanagers")) {
            String id = taskManager.path("id").asText();
            if (id.startsWith("taskmanager-")
                    && taskManager.path("freeSlots").asInt()
                            < taskManager.path("slotsNumber").asInt()) {
                int index = Integer.parseInt(id.substring("taskmanager-".length()));
                if (live.contains(index)) {
                    busy.add(index);
                }
            }
        }
        return busy;
    }

    private Process launch(String name, String mainClass, List<String> jvmOptions, String... programArgs)
            throws IOException {
        Path log = dir.resolve(name + ".log");
        logs.add(log);
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-XX:+UseSerialGC");
        command.addAll(MODULE_OPTIONS);
        command.addAll(jvmOptions);
        command.add("-Dlog.file=" + log);
        command.add("-Dlog4j.configurationFile="
                + confDir.resolve("log4j.properties").toUri());
        command.add("-cp");
        command.add(classpath);
        command.add(mainClass);
        command.add("--configDir");
        command.add(confDir.toString());
        command.addAll(List.of(programArgs));
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(
                        dir.resolve(name + ".out").toFile()));
        builder.environment().putAll(environment);
        return builder.start();
    }

    /** Waits until {@code count} TaskManagers are registered (a killed one is dropped by the heartbeat). */
    public void awaitTaskManagers(int count, Duration timeout) throws InterruptedException {
        await("TaskManagers registered: " + count, timeout, () -> {
            JsonNode overview = getOrNull("/overview");
            return overview != null && overview.path("taskmanagers").asInt() == count;
        });
    }

    /** Uploads a job jar and returns its id for {@link #runJar}. */
    public String uploadJar(Path jar) throws IOException, InterruptedException {
        String boundary = "----streamcell" + UUID.randomUUID();
        String head = "--" + boundary + "\r\nContent-Disposition: form-data; name=\"jarfile\"; filename=\""
                + jar.getFileName() + "\"\r\nContent-Type: application/x-java-archive\r\n\r\n";
        String tail = "\r\n--" + boundary + "--\r\n";
        HttpRequest request = HttpRequest.newBuilder(uri("/jars/upload"))
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.concat(
                        HttpRequest.BodyPublishers.ofString(head),
                        HttpRequest.BodyPublishers.ofFile(jar),
                        HttpRequest.BodyPublishers.ofString(tail)))
                .timeout(Duration.ofMinutes(5))
                .build();
        JsonNode response = send(request);
        String filename = response.path("filename").asText();
        if (filename.isEmpty()) {
            throw new IllegalStateException("jar upload failed: " + response);
        }
        return Path.of(filename).getFileName().toString();
    }

    /**
     * Runs the jar's main class with these arguments (its main builds and submits the job, here
     * on the JobManager), optionally restoring a savepoint; returns the job id.
     */
    public String runJar(String jarId, List<String> programArgs, String savepointPath)
            throws IOException, InterruptedException {
        ObjectNode body = JSON.createObjectNode();
        ArrayNode args = body.putArray("programArgsList");
        programArgs.forEach(args::add);
        if (savepointPath != null) {
            body.put("savepointPath", savepointPath);
            body.put("allowNonRestoredState", false);
        }
        JsonNode response = post("/jars/" + jarId + "/run", body, Duration.ofMinutes(3));
        String jobId = response.path("jobid").asText();
        if (jobId.isEmpty()) {
            throw new IllegalStateException("job submission failed: " + response);
        }
        return jobId;
    }

    /** The job's status (RUNNING, RESTARTING, FAILED, ...). */
    public String jobStatus(String jobId) throws IOException, InterruptedException {
        return get("/jobs/" + jobId).path("state").asText();
    }

    /** Waits until the job and every one of its tasks is RUNNING. */
    public void awaitRunning(String jobId, Duration timeout) throws InterruptedException {
        await("job " + jobId + " running", timeout, () -> {
            JsonNode job = getOrNull("/jobs/" + jobId);
            if (job == null || !job.path("state").asText().equals("RUNNING")) {
                return false;
            }
            for (JsonNode vertex : job.path("vertices")) {
                if (vertex.path("tasks").path("RUNNING").asInt()
                        != vertex.path("parallelism").asInt()) {
                    return false;
                }
            }
            return true;
        });
    }

    /** The largest parallelism of the job's vertices. */
    public int maxVertexParallelism(String jobId) throws IOException, InterruptedException {
        int max = 0;
        for (JsonNode vertex : get("/jobs/" + jobId).path("vertices")) {
            max = Math.max(max, vertex.path("parallelism").asInt());
        }
        return max;
    }

    /**
     * How many failures the job has recovered from (its exception history; failures at the same
     * moment count once). Flink's {@code numRestarts} metric counts global restarts only, not the
     * region failovers a lost TaskManager causes.
     */
    public int failures(String jobId) throws IOException, InterruptedException {
        return get("/jobs/" + jobId + "/exceptions?maxExceptions=1000")
                .path("exceptionHistory")
                .path("entries")
                .size();
    }

    /**
     * When each failure the job recovered from happened (epoch ms), from its exception history
     * (failures at the same moment are one entry), oldest first.
     */
    public List<Long> failureTimes(String jobId) throws IOException, InterruptedException {
        List<Long> times = new ArrayList<>();
        for (JsonNode entry : get("/jobs/" + jobId + "/exceptions?maxExceptions=1000")
                .path("exceptionHistory")
                .path("entries")) {
            times.add(entry.path("timestamp").asLong());
        }
        times.sort(null);
        return times;
    }

    /** Cancels the job and waits until it is gone. */
    public void cancel(String jobId) throws IOException, InterruptedException {
        send(HttpRequest.newBuilder(uri("/jobs/" + jobId + "?mode=cancel"))
                .method("PATCH", HttpRequest.BodyPublishers.noBody())
                .build());
        await(
                "job " + jobId + " cancelled",
                Duration.ofMinutes(1),
                () -> Objects.equals(statusOrNull(jobId), "CANCELED"));
    }

    /** Stops the job with a savepoint (without draining: event-time state stays in the savepoint); returns its path. */
    public String stopWithSavepoint(String jobId, Path directory) throws IOException, InterruptedException {
        ObjectNode body = JSON.createObjectNode();
        body.put("targetDirectory", directory.toUri().toString());
        body.put("drain", false);
        String trigger = post("/jobs/" + jobId + "/stop", body, Duration.ofSeconds(30))
                .path("request-id")
                .asText();
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        while (System.nanoTime() < deadline) {
            JsonNode status = get("/jobs/" + jobId + "/savepoints/" + trigger);
            if (status.path("status").path("id").asText().equals("COMPLETED")) {
                JsonNode operation = status.path("operation");
                if (operation.has("failure-cause")) {
                    throw new IllegalStateException("stop with savepoint failed: " + operation.path("failure-cause"));
                }
                String location = operation.path("location").asText();
                await(
                        "job " + jobId + " finished",
                        Duration.ofMinutes(1),
                        () -> Objects.equals(statusOrNull(jobId), "FINISHED"));
                return location;
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException("stop with savepoint of " + jobId + " did not complete in time");
    }

    /** Every process's log so far, concatenated (for assertions on what was logged). */
    public String logs() {
        StringBuilder all = new StringBuilder();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : files.filter(
                            f -> f.toString().endsWith(".log") || f.toString().endsWith(".out"))
                    .sorted()
                    .toList()) {
                all.append("==> ")
                        .append(file.getFileName())
                        .append('\n')
                        .append(Files.readString(file, StandardCharsets.ISO_8859_1));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return all.toString();
    }

    /** The log of TaskManager {@code index}. */
    public String taskManagerLog(int index) throws IOException {
        return Files.readString(dir.resolve("taskmanager-" + index + ".log"), StandardCharsets.ISO_8859_1);
    }

    private String statusOrNull(String jobId) {
        JsonNode job = getOrNull("/jobs/" + jobId);
        return job == null ? null : job.path("state").asText();
    }

    private URI uri(String path) {
        return URI.create("http://localhost:" + restPort + path);
    }

    private JsonNode get(String path) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(uri(path))
                .timeout(Duration.ofSeconds(30))
                .GET()
                .build());
    }

    private JsonNode getOrNull(String path) {
        try {
            return get(path);
        } catch (IOException e) {
            return null; // not up yet, or a transient failure: the caller polls again
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    private JsonNode post(String path, JsonNode body, Duration timeout) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(uri(path))
                .timeout(timeout)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)))
                .build());
    }

    private JsonNode send(HttpRequest request) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() >= 300) {
            throw new IOException(request.method() + " " + request.uri().getPath() + ": HTTP " + response.statusCode()
                    + " " + response.body());
        }
        return response.body().isEmpty() ? JSON.createObjectNode() : JSON.readTree(response.body());
    }

    private void await(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("timed out waiting for " + what + " (logs in " + dir + ")");
            }
            if (!taskManagers.isEmpty() && taskManagers.stream().noneMatch(Process::isAlive)) {
                throw new IllegalStateException(
                        "every TaskManager died while waiting for " + what + " (logs in " + dir + ")");
            }
            if (jobManager != null && !jobManager.isAlive()) {
                throw new IllegalStateException(
                        "the JobManager died while waiting for " + what + " (logs in " + dir + ")");
            }
            Thread.sleep(250);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private synchronized void destroyAll() {
        for (Process process : taskManagers) {
            process.destroyForcibly();
        }
        if (jobManager != null) {
            jobManager.destroyForcibly();
        }
        for (Process process : taskManagers) {
            waitQuietly(process);
        }
        if (jobManager != null) {
            waitQuietly(jobManager);
        }
    }

    private static void waitQuietly(Process process) {
        try {
            process.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Kills every process of the cluster. */
    @Override
    public void close() {
        destroyAll();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException e) {
            // the JVM is already shutting down; the hook does the same
        }
    }

    /** Settings of a {@link StandaloneCluster}. */
    public static final class Builder {
        private final Path dir;
        private String classpath;
        private int taskManagers = 2;
        private int slotsPerTaskManager = 2;
        private final Map<String, String> configuration = new LinkedHashMap<>();
        private final Map<String, String> environment = new LinkedHashMap<>();
        private final List<String> taskManagerJvmOptions = new ArrayList<>();

        private Builder(Path dir) {
            this.dir = Objects.requireNonNull(dir, "dir");
        }

        /** The processes' classpath (Flink's runtime and whatever belongs in the cluster's lib/). */
        public Builder classpath(String value) {
            this.classpath = Objects.requireNonNull(value, "classpath");
            return this;
        }

        public Builder taskManagers(int value) {
            this.taskManagers = value;
            return this;
        }

        public Builder slotsPerTaskManager(int value) {
            this.slotsPerTaskManager = value;
            return this;
        }

        /** A Flink option for config.yaml (overrides the harness's own). */
        public Builder configuration(String key, String value) {
            configuration.put(key, value);
            return this;
        }

        /** An environment variable of every process. */
        public Builder environment(String name, String value) {
            environment.put(name, value);
            return this;
        }

        /** A JVM option of every TaskManager. */
        public Builder taskManagerJvmOption(String option) {
            taskManagerJvmOptions.add(option);
            return this;
        }

        /** Starts the cluster; the caller closes it. */
        public StandaloneCluster start() throws IOException, InterruptedException {
            if (classpath == null) {
                throw new IllegalStateException(
                        "classpath is required: Flink's runtime, e.g. target/provided-classpath.txt");
            }
            StandaloneCluster cluster = new StandaloneCluster(this);
            try {
                return cluster.start(taskManagers);
            } catch (IOException | InterruptedException | RuntimeException e) {
                cluster.close();
                throw e;
            }
        }
    }
}
