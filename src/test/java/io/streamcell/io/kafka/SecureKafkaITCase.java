package io.streamcell.io.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamcell.avro.Forecast;
import io.streamcell.embedded.EmbeddedKafka;
import io.streamcell.io.csv.ReadingsCsvReader.Row;
import io.streamcell.job.JobConfig;
import io.streamcell.job.JobConfigLoader;
import io.streamcell.job.KafkaForecastJob;
import io.streamcell.model.GoldenFixtures;
import io.streamcell.replay.ReplayEngine;
import io.streamcell.testing.EmbeddedKafkaExtension;
import io.streamcell.testing.KafkaTestClients;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.LongStream;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.security.auth.SecurityProtocol;
import org.apache.logging.log4j.Level;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The job on a broker that only speaks TLS with SASL/SCRAM: certificates from a test CA made here,
 * a SCRAM user created through the admin API, and the job configured with nothing but
 * {@code kafka.properties.*} options. Secrets reach the Kafka clients through Kafka's own config
 * providers, the SCRAM password from an environment variable (set by the failsafe configuration)
 * and the truststore password from a file, so they are never in the job configuration, the job
 * graph, the logs or exception messages — which the test checks by searching everything logged
 * at INFO and above.
 */
class SecureKafkaITCase {
    /** Set for the integration tests in pom.xml (maven-failsafe-plugin environmentVariables). */
    static final String PASSWORD_VARIABLE = "STREAMCELL_IT_KAFKA_PASSWORD";

    private static final String USER = "streamcell-job";
    private static final String CASE = "lstm_1layer_in8_h16";
    private static final String SECURE_LISTENER = "listener.name.secure.";

    @TempDir
    Path directory;

    /** Made by the test before it starts the broker, which serves TLS with their key store. */
    private TestCertificates certificates;

    /**
     * Started by the test inside its log capture, and stopped there, so that the broker's own logs are
     * searched for secrets too.
     */
    @RegisterExtension
    final EmbeddedKafkaExtension secureBroker = EmbeddedKafkaExtension.builder()
            .listener("INTERNAL", SecurityProtocol.PLAINTEXT) // inter-broker and the admin of this test
            .listener("SECURE", SecurityProtocol.SASL_SSL)
            .brokerProperty("sasl.enabled.mechanisms", "SCRAM-SHA-512")
            .brokerProperty(
                    SECURE_LISTENER + "scram-sha-512.sasl.jaas.config",
                    "org.apache.kafka.common.security.scram.ScramLoginModule required;")
            .brokerProperty(SECURE_LISTENER + "ssl.keystore.type", "PKCS12")
            .configure(broker -> broker.brokerProperty(
                            SECURE_LISTENER + "ssl.keystore.location",
                            certificates.brokerKeystore().toString())
                    .brokerProperty(SECURE_LISTENER + "ssl.keystore.password", certificates.keystorePassword()))
            .quietLogs(false)
            .startedByTest()
            .build();

    @Test
    void jobRunsOverTlsAndScramWithConfigurationOnlyAndSecretsStayOutOfLogs() throws Exception {
        String scramPassword = System.getenv(PASSWORD_VARIABLE);
        assertThat(scramPassword)
                .as("environment variable %s (set by failsafe in pom.xml)", PASSWORD_VARIABLE)
                .isNotBlank();
        String keystorePassword = randomSecret();
        String truststorePassword = randomSecret();
        certificates = TestCertificates.create(directory, keystorePassword, truststorePassword);
        Path secretsFile = directory.resolve("kafka-secrets.properties");
        Files.writeString(secretsFile, "truststore.password=" + truststorePassword + "\n");

        GoldenFixtures.Case fixture = GoldenFixtures.load(CASE);
        List<Row> rows = fixture.readings();
        String logs;
        Map<String, List<float[]>> forecastsByKey = new LinkedHashMap<>();
        Map<String, List<Long>> stepsByKey = new LinkedHashMap<>();
        try (LogCapture capture = new LogCapture(Level.INFO)) {
            try (EmbeddedKafka kafka = secureBroker.start()) {
                createScramUser(kafka.bootstrapServers("INTERNAL"), scramPassword);
                kafka.createTopics(1, "readings", "forecasts", "anomalies", "dead-letters", "models");

                Map<String, String> clientProperties =
                        clientProperties(certificates, secretsFile, "${env:" + PASSWORD_VARIABLE + "}");
                String secure = kafka.bootstrapServers("SECURE");
                produce(secure, clientProperties, fixture, rows);

                Map<String, String> values = new LinkedHashMap<>();
                values.put("job.name", "secure-kafka");
                values.put("kafka.bootstrap-servers", secure);
                values.put("kafka.starting-offsets", "earliest");
                clientProperties.forEach((key, value) -> values.put("kafka.properties." + key, value));
                values.put("model.path", fixture.directory().resolve("model").toString());
                values.put("ordering.mode", "arrival");
                values.put("checkpoints.interval", "500ms");
                values.put("parallelism", "1");
                JobConfig config = JobConfigLoader.fromValues(values, "secure-kafka-test");
                assertThat(config.kafka().properties().toString())
                        .as("the job configuration holds references only")
                        .doesNotContain(scramPassword, truststorePassword, keystorePassword);

                StreamExecutionEnvironment env =
                        StreamExecutionEnvironment.getExecutionEnvironment(KafkaForecastJob.flinkConfiguration(config));
                KafkaForecastJob.addTo(env, config);
                JobClient job = env.executeAsync("secure kafka ITCase");
                try {
                    readCommitted(secure, clientProperties, "forecasts", rows.size(), bytes -> {
                        Forecast forecast = Forecast.getDecoder().decode(bytes);
                        stepsByKey
                                .computeIfAbsent(forecast.getKey(), k -> new ArrayList<>())
                                .add(forecast.getStep());
                        float[] values1 = new float[forecast.getForecasts().size()];
                        for (int j = 0; j < values1.length; j++) {
                            values1[j] =
                                    forecast.getForecasts().get(j).getValues().get(0);
                        }
                        forecastsByKey
                                .computeIfAbsent(forecast.getKey(), k -> new ArrayList<>())
                                .add(values1);
                    });
                } finally {
                    job.cancel().get();
                }

                Map<String, String> wrong = clientProperties(certificates, secretsFile, "not-" + scramPassword);
                assertThatThrownBy(() -> readCommitted(secure, wrong, "forecasts", 1, bytes -> {}))
                        .as("a wrong password is refused")
                        .isInstanceOf(SaslAuthenticationException.class)
                        .satisfies(
                                e -> assertThat(String.valueOf(e.getMessage())).doesNotContain(scramPassword));
            }
            logs = capture.text();
        }

        Map<String, List<float[]>> replayed = replay(fixture, rows);
        assertThat(forecastsByKey.keySet()).isEqualTo(replayed.keySet());
        stepsByKey.forEach((key, steps) -> assertThat(steps)
                .as("%s steps in order, once each", key)
                .isEqualTo(LongStream.rangeClosed(1, steps.size()).boxed().toList()));
        forecastsByKey.forEach((key, forecasts) -> {
            List<float[]> expected = replayed.get(key);
            assertThat(forecasts).as(key).hasSameSizeAs(expected);
            for (int i = 0; i < forecasts.size(); i++) {
                assertThat(forecasts.get(i))
                        .as("%s forecast %d", key, i)
                        .containsExactly(Arrays.copyOf(expected.get(i), forecasts.get(i).length));
            }
        });
        assertThat(logs).as("the capture saw the Kafka clients' configuration").contains("sasl.jaas.config = [hidden]");
        assertThat(logs)
                .as("no secret in any log line or logged exception")
                .doesNotContain(scramPassword)
                .doesNotContain(keystorePassword)
                .doesNotContain(truststorePassword);
    }

    /** What a user puts under {@code kafka.properties}: TLS, SCRAM, and secrets by reference. */
    private static Map<String, String> clientProperties(
            TestCertificates certificates, Path secretsFile, String passwordReference) {
        Map<String, String> properties = new LinkedHashMap<>();
        properties.put("security.protocol", "SASL_SSL");
        properties.put("sasl.mechanism", "SCRAM-SHA-512");
        properties.put("config.providers", "env,file");
        properties.put("config.providers.env.class", "org.apache.kafka.common.config.provider.EnvVarConfigProvider");
        properties.put("config.providers.file.class", "org.apache.kafka.common.config.provider.FileConfigProvider");
        properties.put(
                "sasl.jaas.config",
                "org.apache.kafka.common.security.scram.ScramLoginModule required " + "username=\"" + USER
                        + "\" password=\"" + passwordReference + "\";");
        properties.put("ssl.truststore.type", "PKCS12");
        properties.put("ssl.truststore.location", certificates.truststore().toString());
        properties.put("ssl.truststore.password", "${file:" + secretsFile + ":truststore.password}");
        return properties;
    }

    private static void createScramUser(String internalBootstrap, String password) throws Exception {
        Properties properties = new Properties();
        properties.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, internalBootstrap);
        try (Admin admin = Admin.create(properties)) {
            admin.alterUserScramCredentials(List.of(new UserScramCredentialUpsertion(
                            USER, new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 8192), password)))
                    .all()
                    .get();
            // the broker learns the credential from the metadata log; wait until it describes it
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (admin.describeUserScramCredentials(List.of(USER)).all().get().isEmpty()) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("SCRAM user not visible");
                }
                Thread.sleep(100);
            }
        }
    }

    private static void produce(
            String bootstrap, Map<String, String> clientProperties, GoldenFixtures.Case fixture, List<Row> rows)
            throws Exception {
        List<String> features = fixture.model().config().features();
        try (KafkaProducer<byte[], byte[]> producer = KafkaTestClients.producer(bootstrap, clientProperties)) {
            for (Row row : rows) {
                Map<String, Double> values = new HashMap<>();
                for (int i = 0; i < features.size(); i++) {
                    values.put(features.get(i), (double) row.features()[i]);
                }
                producer.send(new ProducerRecord<>(
                                "readings",
                                row.key().getBytes(StandardCharsets.UTF_8),
                                KafkaTestClients.reading(row.key(), row.epochMillis(), values)))
                        .get();
            }
        }
    }

    /** Reads committed records of {@code topic} until {@code expected} have come, then 2 s more for extras. */
    private static void readCommitted(
            String bootstrap,
            Map<String, String> clientProperties,
            String topic,
            int expected,
            KafkaTestClients.ValueConsumer each)
            throws Exception {
        assertThat(KafkaTestClients.readCommitted(
                        bootstrap, clientProperties, topic, expected, Duration.ofSeconds(2), each))
                .as("committed records on %s", topic)
                .isEqualTo(expected);
    }

    private static Map<String, List<float[]>> replay(GoldenFixtures.Case fixture, List<Row> rows) throws Exception {
        Map<String, List<float[]>> forecasts = new LinkedHashMap<>();
        try (ReplayEngine engine = new ReplayEngine(fixture.model(), 1)) {
            for (Row row : rows) {
                engine.accept(
                        row,
                        (r, outcome) -> forecasts
                                .computeIfAbsent(r.key(), k -> new ArrayList<>())
                                .add(outcome.forecast()));
            }
        }
        return forecasts;
    }

    private static String randomSecret() {
        byte[] bytes = new byte[12];
        new SecureRandom().nextBytes(bytes);
        return "s3cret-" + HexFormat.of().formatHex(bytes);
    }
}
