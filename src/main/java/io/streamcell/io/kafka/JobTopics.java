package io.streamcell.io.kafka;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks before the job starts that the topics it reads and writes exist, and what their
 * {@code max.message.bytes} is. Flink's Kafka source fails the job when a subscribed topic is
 * missing, and the restart strategy then restarts it into the same failure over and over (a missing
 * {@code models} topic, hot-swap being on by default, would do that to an otherwise healthy job); a
 * missing output topic, or one whose size limit refuses a dead letter, fails the sink the same way,
 * but only when the first record for it comes (a dead letter may come days later). A broker that
 * does not answer in time is an error too: the clients would wait for it forever, failing over and
 * over, without ever saying why.
 */
public final class JobTopics {
    private static final Logger LOG = LoggerFactory.getLogger(JobTopics.class);

    private JobTopics() {}

    /**
     * Of {@code topics}, those the broker does not have (sorted); empty if all exist.
     *
     * @throws IllegalArgumentException naming the bootstrap servers if no broker answered within {@code timeout}
     */
    public static List<String> missing(KafkaConnections kafka, Collection<String> topics, Duration timeout) {
        try (Admin admin = admin(kafka, timeout)) {
            Set<String> existing = admin.listTopics(new ListTopicsOptions().timeoutMs((int) timeout.toMillis()))
                    .names()
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            Set<String> missing = new TreeSet<>(topics);
            missing.removeAll(existing);
            return new ArrayList<>(missing);
        } catch (TimeoutException | ExecutionException e) {
            throw unanswered(kafka, timeout, e);
        } catch (InterruptedException e) {
            throw interrupted(kafka);
        }
    }

    /**
     * The largest record batch {@code topic} accepts ({@code max.message.bytes}, the topic's or the
     * broker's default); empty if the broker does not say.
     *
     * @throws IllegalArgumentException naming the bootstrap servers if no broker answered within {@code timeout}
     */
    public static OptionalLong maxMessageBytes(KafkaConnections kafka, String topic, Duration timeout) {
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        try (Admin admin = admin(kafka, timeout)) {
            Map<ConfigResource, Config> configs =
                    admin.describeConfigs(List.of(resource)).all().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            ConfigEntry entry = configs.get(resource).get(TopicConfig.MAX_MESSAGE_BYTES_CONFIG);
            return entry == null || entry.value() == null
                    ? OptionalLong.empty()
                    : OptionalLong.of(Long.parseLong(entry.value()));
        } catch (TimeoutException | ExecutionException e) {
            throw unanswered(kafka, timeout, e);
        } catch (InterruptedException e) {
            throw interrupted(kafka);
        }
    }

    private static Admin admin(KafkaConnections kafka, Duration timeout) {
        Properties props = kafka.consumerProperties();
        props.setProperty(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        props.setProperty(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, Long.toString(timeout.toMillis()));
        props.setProperty(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, Long.toString(timeout.toMillis()));
        return Admin.create(props);
    }

    private static IllegalArgumentException unanswered(KafkaConnections kafka, Duration timeout, Exception e) {
        // The cause at debug level only: the client's exceptions never carry the configured secrets,
        // but the one line below is what a user needs.
        LOG.debug("Checking the topics on {} failed", kafka.bootstrapServers(), e);
        return new IllegalArgumentException("no Kafka broker answered at " + kafka.bootstrapServers() + " within "
                + seconds(timeout) + ": check kafka.bootstrap-servers (and that the broker runs), "
                + "or allow it longer with kafka.connect-timeout");
    }

    private static IllegalStateException interrupted(KafkaConnections kafka) {
        Thread.currentThread().interrupt();
        return new IllegalStateException(
                "interrupted while waiting for the Kafka broker at " + kafka.bootstrapServers());
    }

    private static String seconds(Duration timeout) {
        long millis = timeout.toMillis();
        return millis % 1000 == 0 ? millis / 1000 + " s" : millis + " ms";
    }
}
