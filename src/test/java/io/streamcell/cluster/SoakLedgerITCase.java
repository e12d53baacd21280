package io.streamcell.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamcell.io.avro.DeadLetterEncoder;
import io.streamcell.io.avro.ForecastEncoder;
import io.streamcell.io.avro.ForecastRecord;
import io.streamcell.io.deadletter.DeadLetterRecord;
import io.streamcell.testing.EmbeddedKafkaExtension;
import io.streamcell.testing.KafkaTestClients;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The soak's accounting by identity: one reading lost and another forecast twice leave the counts
 * balanced (forecasts + dead letters = records sent), and the ledger sees both.
 */
class SoakLedgerITCase {
    private static final List<String> FEATURES = List.of("temperature", "humidity");

    @RegisterExtension
    static final EmbeddedKafkaExtension kafka = EmbeddedKafkaExtension.builder()
            .topics(Map.of("ledger-readings", 1, "ledger-forecasts", 1, "ledger-dead-letters", 1))
            .build();

    @Test
    void aLossAndADuplicateThatCancelInCountsAreBothFound() throws Exception {
        ForecastEncoder forecasts = new ForecastEncoder(List.of("temperature"), 1);
        DeadLetterEncoder deadLetters = new DeadLetterEncoder();
        int sent = 0;
        int out = 0;
        try (KafkaProducer<byte[], byte[]> producer = KafkaTestClients.producer(kafka.bootstrapServers())) {
            for (int t = 0; t < 10; t++) {
                for (String key : List.of("a", "b")) {
                    producer.send(new ProducerRecord<>(
                                    "ledger-readings",
                                    key.getBytes(StandardCharsets.UTF_8),
                                    KafkaTestClients.reading(
                                            key,
                                            1_700_000_000_000L + t * 1000L,
                                            Map.of("temperature", 1.0, "humidity", 2.0))))
                            .get();
                    sent++;
                    // a@3 is lost, b@5 comes out twice
                    int copies = key.equals("a") && t == 3 ? 0 : key.equals("b") && t == 5 ? 2 : 1;
                    for (int c = 0; c < copies; c++) {
                        ForecastRecord forecast = new ForecastRecord(
                                key, 1_700_000_000_000L + t * 1000L, new float[] {1f}, "v", t + 1, null);
                        producer.send(new ProducerRecord<>(
                                "ledger-forecasts", forecasts.key(forecast), forecasts.value(forecast)));
                        out++;
                    }
                }
            }
            RecordMetadata garbage = producer.send(new ProducerRecord<>("ledger-readings", null, new byte[] {1, 2, 3}))
                    .get();
            sent++;
            DeadLetterRecord deadLetter = new DeadLetterRecord(
                    "ledger-readings",
                    garbage.partition(),
                    garbage.offset(),
                    -1,
                    null,
                    new byte[] {1, 2, 3},
                    "undecodable",
                    "",
                    "not Avro",
                    0L);
            producer.send(new ProducerRecord<>(
                    "ledger-dead-letters", deadLetters.key(deadLetter), deadLetters.value(deadLetter)));
            out++;
            producer.flush();
        }

        SoakLedger.Result result = SoakLedger.account(
                kafka.bootstrapServers(),
                "ledger-readings",
                FEATURES,
                "ledger-forecasts",
                "ledger-dead-letters",
                key -> false);

        assertThat(out).as("the counts balance").isEqualTo(sent);
        assertThat(result.readings()).isEqualTo(20);
        assertThat(result.malformed()).isEqualTo(1);
        assertThat(result.lost()).isEqualTo(1);
        assertThat(result.duplicated()).isEqualTo(1);
        assertThat(result.examples())
                .contains("no output for a@" + (1_700_000_000_000L + 3000))
                .contains("a second forecast of b@" + (1_700_000_000_000L + 5000));
    }
}
