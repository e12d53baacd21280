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
 * otherwise healthy job. A broker that does not answer in time is an error too: the source would
 * wait for it forever, failing over and over, without ever saying why.
 */
public final class SourceTopics {
    private static final Logger LOG = LoggerFactory.getLogger(SourceTopics.class);

    private SourceTopics() {}

    private static String seconds(Duration timeout) {
        long millis = timeout.toMillis();
        return millis % 1000 == 0 ? millis / 1000 + " s" : millis + " ms";
    }

    /**
     * Of {@code topics}, those the broker does not have (sorted); empty if all exist.
     *
     * @throws IllegalArgumentException naming the bootstrap servers if no broker answered within {@code timeout}
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
            // The cause at debug level only: the client's exceptions never carry the configured secrets,
            // but the one line below is what a user needs.
            LOG.debug("Listing the topics on {} failed", kafka.bootstrapServers(), e);
            throw new IllegalArgumentException("no Kafka broker answered at " + kafka.bootstrapServers() + " within "
                    + seconds(timeout) + ": check kafka.bootstrap-servers (and that the broker runs), "
                    + "or allow it longer with kafka.connect-timeout");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(
                    "interrupted while waiting for the Kafka broker at " + kafka.bootstrapServers());
        }
    }
}
