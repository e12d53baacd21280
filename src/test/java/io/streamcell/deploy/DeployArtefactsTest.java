package io.streamcell.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamcell.job.JobConfig;
import io.streamcell.job.JobConfigLoader;
import io.streamcell.testing.DocumentedMetrics;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * Static checks of the deployment artefacts (Docker is not part of the build): docker-compose.yml,
 * deploy/Dockerfile, deploy/k8s/ and the Grafana dashboard parse, pin the versions in pom.xml, publish
 * and mount what deploy/README.md relies on, and the dashboard queries only metrics that docs/operations.md "Metrics"
 * documents and the job registers.
 */
class DeployArtefactsTest {
    private static final Path COMPOSE = Path.of("docker-compose.yml");
    private static final Path DOCKERFILE = Path.of("deploy/Dockerfile");
    private static final Path FLINK_DEPLOYMENT = Path.of("deploy/k8s/flink-deployment.yaml");
    private static final Path DASHBOARD = Path.of("deploy/grafana/streamcell-dashboard.json");
    private static final String JOB_JAR = "/opt/flink/usrlib/streamcell.jar";
    private static final String JOB_CONFIG = "/opt/streamcell/job.yaml";
    private static final String PROMETHEUS_FACTORY = "org.apache.flink.metrics.prometheus.PrometheusReporterFactory";
    private static final String ND4J_PARENT_FIRST = "org.nd4j.;org.bytedeco.";
    private static final List<String> TOPICS = List.of("readings", "forecasts", "anomalies", "dead-letters", "models");
    private static final Pattern PROMETHEUS_NAME = Pattern.compile("flink_[A-Za-z0-9_]+");

    @Test
    void composeHasTheServicesTheReadmeUses() throws IOException {
        Map<String, Object> services = map(compose(), "services");
        String section = deploySection("Run on Docker Compose").toLowerCase(Locale.ROOT);
        for (String service : List.of(
                "kafka",
                "kafka-init",
                "jobmanager",
                "taskmanager",
                "job-submitter",
                "generator",
                "prometheus",
                "grafana")) {
            assertThat(services).as("services").containsKey(service);
            assertThat(section).as("deploy/README.md names the service").contains(service);
        }
        assertThat(string(map(services, "jobmanager"), "command")).isEqualTo("jobmanager");
        assertThat(string(map(services, "taskmanager"), "command")).isEqualTo("taskmanager");
        assertThat(map(services, "kafka-init").get("restart")).isEqualTo("no");
        assertThat(map(services, "job-submitter").get("restart")).isEqualTo("no");
    }

    @Test
    void imagesArePinnedToThePomVersions() throws IOException {
        Map<String, Object> services = map(compose(), "services");
        String flinkImage = "flink:" + pomProperty("flink.version") + "-java17";
        assertThat(string(map(services, "kafka"), "image")).isEqualTo("apache/kafka:" + pomProperty("kafka.version"));
        assertThat(string(map(services, "kafka-init"), "image"))
                .isEqualTo("apache/kafka:" + pomProperty("kafka.version"));
        for (String flinkService : List.of("jobmanager", "taskmanager", "job-submitter", "generator")) {
            Map<String, Object> build = map(map(services, flinkService), "build");
            assertThat(string(build, "dockerfile")).isEqualTo(DOCKERFILE.toString());
            assertThat(map(build, "args")).as(flinkService).containsEntry("FLINK_IMAGE", flinkImage);
        }
        assertThat(Files.readString(DOCKERFILE)).contains("ARG FLINK_IMAGE=" + flinkImage);
        services.forEach((name, service) -> {
            String image = string(asMap(service), "image");
            assertThat(image).as(name + " image tag").matches("[^:]+:[^:]+").doesNotEndWith(":latest");
        });
    }

    @Test
    void composePublishesThePortsTheReadmeLinks() throws IOException {
        Map<String, Object> services = map(compose(), "services");
        assertThat(list(map(services, "jobmanager"), "ports")).contains("8081:8081");
        assertThat(list(map(services, "kafka"), "ports")).contains("9092:9092");
        assertThat(list(map(services, "prometheus"), "ports")).contains("9090:9090");
        assertThat(list(map(services, "grafana"), "ports")).contains("3000:3000");
        assertThat(deploySection("Run on Docker Compose"))
                .contains(
                        "http://localhost:8081", "http://localhost:3000", "http://localhost:9090", "`localhost:9092`");
        // The broker advertises the published port to host clients and kafka:29092 inside the network.
        Map<String, Object> kafkaEnv = map(map(services, "kafka"), "environment");
        assertThat(string(kafkaEnv, "KAFKA_ADVERTISED_LISTENERS")).contains("localhost:9092", "kafka:29092");
        assertThat(JobConfigLoader.load(Path.of("deploy/job.yaml"), List.of())
                        .kafka()
                        .bootstrapServers())
                .isEqualTo("kafka:29092");
    }

    @Test
    void composeMountsOnlyFilesOfTheRepositoryAndDeclaredVolumes() throws IOException {
        Map<String, Object> compose = compose();
        Set<String> namedVolumes = map(compose, "volumes").keySet();
        List<String> mounts = new ArrayList<>();
        map(compose, "services").forEach((name, service) -> {
            Object volumes = asMap(service).get("volumes");
            if (volumes != null) {
                for (Object volume : (List<?>) volumes) {
                    mounts.add(volume.toString());
                }
            }
        });
        assertThat(mounts).isNotEmpty();
        for (String mount : mounts) {
            String source = mount.substring(0, mount.indexOf(':'));
            if (source.startsWith("./")) {
                assertThat(Path.of(source)).as(mount).exists();
            } else {
                assertThat(namedVolumes).as(mount).contains(source);
            }
        }
        assertThat(mounts)
                .contains(
                        "flink-checkpoints:/var/streamcell/checkpoints",
                        "flink-savepoints:/var/streamcell/savepoints",
                        "./deploy/grafana/streamcell-dashboard.json:/etc/grafana/dashboards/streamcell-dashboard.json:ro");
        // Everything the Dockerfile copies from the repository exists (target/ comes from mvn package).
        Matcher copy = Pattern.compile("(?m)^COPY (?!--from)(?:--\\S+ )*(\\S+) (\\S+)$")
                .matcher(Files.readString(DOCKERFILE));
        List<String> contextIncludes = Files.readAllLines(Path.of(".dockerignore")).stream()
                .filter(line -> line.startsWith("!"))
                .map(line -> line.substring(1))
                .toList();
        int copies = 0;
        while (copy.find()) {
            copies++;
            String source = copy.group(1);
            assertThat(source).as("nothing built on the host is copied").doesNotStartWith("target/");
            assertThat(Path.of(source)).as(copy.group()).exists();
            assertThat(contextIncludes)
                    .as(source + " in the build context (.dockerignore)")
                    .anyMatch(include -> source.equals(include) || include.endsWith("/") && source.startsWith(include));
        }
        assertThat(copies).isGreaterThanOrEqualTo(6);
        assertThat(Files.readString(DOCKERFILE))
                .contains("/build/target/streamcell.jar " + JOB_JAR, "deploy/job.yaml " + JOB_CONFIG);
    }

    @Test
    void dockerfileBuildsTheJobJarFromTheSources() throws IOException {
        String dockerfile = Files.readString(DOCKERFILE);
        String mavenImage = "maven:3.9.11-eclipse-temurin-" + pomProperty("maven.compiler.release");

        assertThat(dockerfile).contains("ARG MAVEN_IMAGE=" + mavenImage, "FROM ${MAVEN_IMAGE} AS build");
        assertThat(dockerfile)
                .as("the build stage packages the jar as mvn package does")
                .containsPattern("(?m)^RUN .*mvn -B .*package$")
                .contains("COPY pom.xml ./", "COPY schemas/ schemas/", "COPY src/main/ src/main/")
                .contains("COPY --from=build --chown=flink:flink /build/target/streamcell.jar " + JOB_JAR);
        assertThat(dockerfile).doesNotContainPattern("(?m)^COPY (--chown=\\S+ )?target/");
        for (String service : List.of("jobmanager", "taskmanager", "job-submitter", "generator")) {
            Map<String, Object> build = map(map(map(compose(), "services"), service), "build");
            assertThat(map(build, "args")).as(service).containsEntry("MAVEN_IMAGE", mavenImage);
            assertThat(string(build, "context")).isEqualTo(".");
        }
        assertThat(deploySection("Run on Docker Compose"))
                .contains("docker compose up -d --build")
                .doesNotContain("mvn -B -DskipTests package && docker compose");
    }

    @Test
    void kubernetesRescalesThroughTheCustomResource() throws IOException {
        Map<String, Object> job = map(map(yaml(Files.readString(FLINK_DEPLOYMENT)), "spec"), "job");
        List<String> args = list(job, "args");
        List<String> overrides = new ArrayList<>();
        for (int i = 3; i < args.size(); i += 2) {
            overrides.add(args.get(i + 1));
        }

        assertThat(overrides).noneMatch(option -> option.startsWith("parallelism="));
        assertThat(JobConfigLoader.load(Path.of("deploy/job.yaml"), overrides).parallelism())
                .as("the job leaves its parallelism to the cluster: spec.job.parallelism")
                .isEqualTo(-1);
        assertThat(job.get("parallelism")).isInstanceOf(Integer.class);
    }

    @Test
    void grafanaIsProvisionedAsTheDocsDescribeIt() throws IOException {
        Map<String, Object> provider = asMap(
                ((List<?>) yaml(Files.readString(Path.of("deploy/grafana/provisioning/dashboards/streamcell.yml")))
                                .get("providers"))
                        .get(0));
        Map<String, Object> grafana = map(map(compose(), "services"), "grafana");

        assertThat(provider).containsEntry("allowUiUpdates", true);
        assertThat(deploySection("Run on Docker Compose")).contains("admin/admin to edit");
        assertThat(map(grafana, "environment"))
                .containsEntry("GF_AUTH_ANONYMOUS_ENABLED", "true")
                .containsEntry("GF_AUTH_ANONYMOUS_ORG_ROLE", "Viewer");
    }

    @Test
    void composeFlinkHasThePrometheusReporterAndTheNativeSettings() throws IOException {
        Map<String, Object> services = map(compose(), "services");
        for (String flinkService : List.of("jobmanager", "taskmanager", "job-submitter")) {
            Map<String, String> flink =
                    flinkProperties(string(map(map(services, flinkService), "environment"), "FLINK_PROPERTIES"));
            assertThat(flink)
                    .as(flinkService)
                    .containsEntry("metrics.reporter.prom.factory.class", PROMETHEUS_FACTORY)
                    .containsEntry("metrics.reporter.prom.port", "9249")
                    .containsEntry("classloader.parent-first-patterns.additional", ND4J_PARENT_FIRST)
                    .containsEntry("execution.checkpointing.dir", "file:///var/streamcell/checkpoints")
                    .containsEntry("execution.checkpointing.savepoint-dir", "file:///var/streamcell/savepoints");
        }
        assertThat(map(map(services, "taskmanager"), "environment"))
                .containsKeys("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "OPENBLAS_CORETYPE");
        List<String> submitter = list(map(services, "job-submitter"), "command");
        assertThat(submitter).containsExactly("/opt/streamcell/submit-job.sh");
        assertThat(Files.readString(Path.of("deploy/submit-job.sh")))
                .contains("flink run --detached", JOB_JAR, "run --config " + JOB_CONFIG);

        String prometheus = Files.readString(Path.of("deploy/prometheus/prometheus.yml"));
        Map<String, Object> scrape = yaml(prometheus);
        assertThat(scrape.get("scrape_configs").toString()).contains("jobmanager:9249", "taskmanager", "port=9249");
        assertThat(map(services, "prometheus").get("volumes").toString())
                .contains("./deploy/prometheus/prometheus.yml:/etc/prometheus/prometheus.yml");
    }

    @Test
    void composeCreatesEveryTopic() throws IOException {
        String init =
                map(map(compose(), "services"), "kafka-init").get("command").toString();
        for (String topic : TOPICS) {
            assertThat(init).contains(topic);
        }
        String strimzi = Files.readString(Path.of("deploy/k8s/kafka-topics.yaml"));
        List<String> names = new ArrayList<>();
        for (Object document : new Yaml(new SafeConstructor(new LoaderOptions())).loadAll(strimzi)) {
            assertThat(string(asMap(document), "kind")).isEqualTo("KafkaTopic");
            names.add(string(map(asMap(document), "metadata"), "name"));
        }
        assertThat(names).containsExactlyInAnyOrderElementsOf(TOPICS);
    }

    @Test
    void kubernetesDeploymentUpgradesWithSavepointsWithHaCheckpointsAndMetrics() throws IOException {
        Map<String, Object> deployment = yaml(Files.readString(FLINK_DEPLOYMENT));
        assertThat(string(deployment, "kind")).isEqualTo("FlinkDeployment");
        Map<String, Object> spec = map(deployment, "spec");
        String[] flinkVersion = pomProperty("flink.version").split("\\.");
        assertThat(string(spec, "flinkVersion")).isEqualTo("v" + flinkVersion[0] + "_" + flinkVersion[1]);
        assertThat(string(spec, "serviceAccount")).isNotBlank();

        Map<String, Object> flink = map(spec, "flinkConfiguration");
        assertThat(flink)
                .containsEntry("high-availability.type", "kubernetes")
                .containsKeys(
                        "high-availability.storageDir",
                        "execution.checkpointing.dir",
                        "execution.checkpointing.savepoint-dir",
                        "execution.checkpointing.interval")
                .containsEntry("metrics.reporter.prom.factory.class", PROMETHEUS_FACTORY)
                .containsEntry("metrics.reporter.prom.port", "9249")
                .containsEntry("classloader.parent-first-patterns.additional", ND4J_PARENT_FIRST)
                .containsKeys(
                        "containerized.taskmanager.env.OMP_NUM_THREADS",
                        "containerized.taskmanager.env.OPENBLAS_NUM_THREADS",
                        "containerized.taskmanager.env.OPENBLAS_CORETYPE");
        assertThat(map(map(spec, "jobManager"), "resource")).containsKeys("memory", "cpu");
        assertThat(map(map(spec, "taskManager"), "resource")).containsKeys("memory", "cpu");

        Map<String, Object> job = map(spec, "job");
        assertThat(job)
                .containsEntry("upgradeMode", "savepoint")
                .containsEntry("jarURI", "local://" + JOB_JAR)
                .containsEntry("entryClass", "io.streamcell.cli.StreamCellCli");
        List<String> args = list(job, "args");
        assertThat(args.subList(0, 3)).containsExactly("run", "--config", JOB_CONFIG);
        List<String> overrides = new ArrayList<>();
        for (int i = 3; i < args.size(); i += 2) {
            assertThat(args.get(i)).isEqualTo("--set");
            overrides.add(args.get(i + 1));
        }
        // The job options the operator passes are valid, and agree with the cluster settings.
        JobConfig config = JobConfigLoader.load(Path.of("deploy/job.yaml"), overrides);
        assertThat(config.checkpoints().directory()).isEqualTo(flink.get("execution.checkpointing.dir"));
        assertThat(config.state().backend().name().toLowerCase(Locale.ROOT)).isEqualTo(flink.get("state.backend.type"));
        assertThat(Files.readString(Path.of("deploy/k8s/podmonitor.yaml"))).contains("port: metrics");
        assertThat(spec.get("podTemplate").toString()).contains("name=metrics", "containerPort=9249");
    }

    @Test
    void theKubernetesDeploymentAndTheOperationsGuideAgreeOnSystemExit() throws IOException {
        String deployment = Files.readString(Path.of("deploy/k8s/flink-deployment.yaml"));
        String cli = Files.readString(Path.of("src/main/java/io/streamcell/cli/StreamCellCli.java"));
        // main exits the JVM only outside Flink or on a failed command (docs/operations.md "Running on a
        // Flink cluster")
        assertThat(cli).contains("if (code != 0 || !runningAsFlinkUserCode())");
        assertThat(Files.readString(Path.of("docs/operations.md"))).contains("it never calls `System.exit` there");
        assertThat(deployment)
                .doesNotContain("ends with System.exit")
                .contains("never calls System.exit after a successful submission");
    }

    @Test
    void dashboardQueriesOnlyDocumentedAvailableMetrics() throws IOException {
        JsonNode dashboard = new ObjectMapper().readTree(DASHBOARD.toFile());
        List<String> queries = dashboard.findValuesAsText("expr");
        assertThat(queries).hasSizeGreaterThanOrEqualTo(10);
        Map<String, String> documented = documentedMetrics();
        List<Pattern> available = documented.entrySet().stream()
                .filter(metric -> metric.getValue().equals("available"))
                .map(metric ->
                        Pattern.compile(Pattern.quote(metric.getKey()).replaceAll("<[a-z]+>", "\\\\E[a-z_]*\\\\Q")))
                .toList();
        Set<String> used = new LinkedHashSet<>();
        for (String query : queries) {
            Matcher name = PROMETHEUS_NAME.matcher(query);
            while (name.find()) {
                used.add(name.group());
            }
        }
        assertThat(used).hasSizeGreaterThanOrEqualTo(10);
        for (String metric : used) {
            assertThat(available)
                    .as(metric + " is not an available metric in docs/operations.md \"Metrics\"")
                    .anyMatch(pattern -> pattern.matcher(metric).matches());
        }
        // Every panel reads the provisioned datasource.
        String uid = string(
                yamlList(Path.of("deploy/grafana/provisioning/datasources/prometheus.yml"))
                        .get(0),
                "uid");
        for (JsonNode datasource : dashboard.findValues("datasource")) {
            assertThat(datasource.path("uid").asText()).isEqualTo(uid);
        }
    }

    @Test
    void documentedMetricsMatchWhatTheJobRegisters() throws IOException {
        String sources;
        try (Stream<Path> files = Files.walk(Path.of("src/main/java"))) {
            sources = files.filter(file -> file.toString().endsWith(".java"))
                    .map(DeployArtefactsTest::read)
                    .collect(Collectors.joining("\n"));
        }
        Map<String, String> documented = documentedMetrics();
        assertThat(documented.values()).contains("available");
        Pattern own = Pattern.compile(
                "flink_taskmanager_job_task_operator_(?:streamcell|deserializer)_([A-Za-z]+)(?:_<[a-z]+>)?");
        documented.forEach((name, status) -> {
            Matcher metric = own.matcher(name);
            if (!metric.matches()) {
                return; // Flink's own metrics
            }
            String registered = "\"" + metric.group(1) + "\"";
            if (status.equals("planned")) {
                assertThat(sources)
                        .as(name + " is registered now: mark it available in docs/operations.md \"Metrics\"")
                        .doesNotContain(registered);
            } else {
                assertThat(sources)
                        .as(name + " is documented but not registered by the job")
                        .contains(registered);
            }
        });
        assertThat(documented)
                .containsKeys(
                        "flink_taskmanager_job_task_operator_streamcell_readingsIn",
                        "flink_taskmanager_job_task_operator_streamcell_forecastsOut",
                        "flink_taskmanager_job_task_operator_streamcell_deadLetters_<reason>",
                        "flink_taskmanager_job_task_operator_streamcell_lateReadings",
                        "flink_taskmanager_job_task_operator_streamcell_alerts_<severity>",
                        "flink_taskmanager_job_task_operator_streamcell_stepLatencyNanos",
                        "flink_taskmanager_job_task_operator_streamcell_bundleSize",
                        "flink_taskmanager_job_task_operator_streamcell_keysInState",
                        "flink_taskmanager_job_task_operator_streamcell_modelVersion",
                        "flink_taskmanager_job_task_operator_streamcell_onlineError");
    }

    /** The operations guide's "Metrics" tables: Prometheus name to status (last column). */
    private static Map<String, String> documentedMetrics() throws IOException {
        return DocumentedMetrics.all();
    }

    /** A section of deploy/README.md, where the deployments are documented. */
    private static String deploySection(String title) throws IOException {
        String readme = Files.readString(Path.of("deploy/README.md"));
        int start = readme.indexOf("\n## " + title + "\n");
        assertThat(start).as("deploy/README.md section " + title).isNotNegative();
        int end = readme.indexOf("\n## ", start + 1);
        return readme.substring(start, end < 0 ? readme.length() : end);
    }

    /** FLINK_PROPERTIES as the official image's entrypoint reads it: one `key: value` per line. */
    private static Map<String, String> flinkProperties(String text) {
        Map<String, String> properties = new LinkedHashMap<>();
        for (String line : text.split("\n")) {
            int colon = line.indexOf(':');
            if (!line.isBlank()) {
                assertThat(colon).as(line).isPositive();
                properties.put(
                        line.substring(0, colon).trim(),
                        line.substring(colon + 1).trim());
            }
        }
        return properties;
    }

    private static String pomProperty(String name) throws IOException {
        Matcher property =
                Pattern.compile("<" + Pattern.quote(name) + ">([^<]+)</").matcher(Files.readString(Path.of("pom.xml")));
        assertThat(property.find()).as(name + " in pom.xml").isTrue();
        return property.group(1).trim();
    }

    private static Map<String, Object> compose() throws IOException {
        return yaml(Files.readString(COMPOSE)); // SnakeYAML resolves the file's anchors and merge keys
    }

    private static Map<String, Object> yaml(String text) {
        return asMap(new Yaml(new SafeConstructor(new LoaderOptions())).load(text));
    }

    private static List<Map<String, Object>> yamlList(Path file) throws IOException {
        List<Map<String, Object>> datasources = new ArrayList<>();
        for (Object datasource : (List<?>) yaml(Files.readString(file)).get("datasources")) {
            datasources.add(asMap(datasource));
        }
        return datasources;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> asMap(Object value) {
        assertThat(value).isInstanceOf(Map.class);
        return (Map<String, Object>) value;
    }

    private static Map<String, Object> map(Map<String, Object> parent, String key) {
        assertThat(parent).as("key " + key).containsKey(key);
        return asMap(parent.get(key));
    }

    private static String string(Map<String, Object> parent, String key) {
        Object value = parent.get(key);
        assertThat(value).as("key " + key).isNotNull();
        return value.toString();
    }

    private static List<String> list(Map<String, Object> parent, String key) {
        Object value = parent.get(key);
        assertThat(value).as("key " + key).isInstanceOf(List.class);
        return ((List<?>) value).stream().map(String::valueOf).toList();
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
