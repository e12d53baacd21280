package io.streamcell.io.kafka;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A check before the job starts that the topics it reads exist. Flink's Kafka source fails the job
 * when a subscribed topic is missing, and the restart strategy then restarts it into the same failure
 * over and over; a missing {@code models} topic (hot-swap is on by default) would do that to an
 * otherwise healthy job. A broker that cannot be reached in time is not an error here: the source
 * waits for it as it always does.
 */
public final class SourceTopics {
    private static final Logger LOG = LoggerFactory.getLogger(SourceTopics.class);

    private SourceTopics() {}

    /**
     * Of {@code topics}, those the broker does not have (sorted); empty if all exist or if the
     * broker did not answer within {@code timeout} (logged).
     */
    public static List<String> missing(KafkaConnections kafka, Collection<String> topics, Duration timeout) {
        Properties props = kafka.consumerProperties();
        props.setProperty(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        props.setProperty(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, Long.toString(timeout.toMillis()));
        props.setProperty(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, Long.toString(timeout.toMillis()));
        try (Admin admin = Admin.create(props)) {
            Set<String> existing = admin.listTopics(new ListTopicsOptions().timeoutMs((int) timeout.toMillis()))
                    .names()
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            Set<String> missing = new TreeSet<>(topics);
            missing.removeAll(existing);
            return new ArrayList<>(missing);
        } catch (TimeoutException | ExecutionException e) {
            // The message only: the client's exceptions never carry the configured secrets.
            LOG.warn(
                    "Could not list the topics on {} within {} ({}); starting anyway, the Kafka source will "
                            + "wait for the broker",
                    kafka.bootstrapServers(),
                    timeout,
                    e.getMessage());
            return List.of();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return List.of();
        }
    }
}
