package io.streamcell.cli;

import io.streamcell.avro.ModelUpdate;
import io.streamcell.io.avro.ModelUpdateDecoder;
import io.streamcell.model.RecurrentModel;
import io.streamcell.model.io.ModelDirectory;
import io.streamcell.model.io.ModelUpdates;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code streamcell publish-model}: validates a model directory and publishes it as an Avro
 * {@code ModelUpdate} to the models topic, where running jobs pick it up (docs/operations.md "Model hot-swap").
 */
@Command(
        name = "publish-model",
        mixinStandardHelpOptions = true,
        versionProvider = StreamCellCli.Version.class,
        showDefaultValues = true,
        footerHeading = "%nExample:%n",
        footer = "  streamcell publish-model --model model/ --bootstrap-servers localhost:9092",
        description = "Validate a model directory and publish it to the models topic as "
                + "a model update, for running jobs to hot-swap in.")
final class PublishModelCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "DIR", description = "Model directory.")
    private Path model;

    @Option(
            names = "--bootstrap-servers",
            required = true,
            paramLabel = "HOST:PORT[,...]",
            description = "Kafka brokers.")
    private String bootstrapServers;

    @Option(names = "--topic", paramLabel = "NAME", defaultValue = "models", description = "Models topic.")
    private String topic;

    @Option(
            names = "--model-id",
            paramLabel = "ID",
            defaultValue = "streamcell",
            description = "Model id, also the Kafka record key.")
    private String modelId;

    @Option(
            names = "--weights-uri",
            paramLabel = "URI",
            description = "Send the weights by reference: the "
                    + "file:/// or classpath: location where every task manager reads this model's weights.safetensors "
                    + "(its SHA-256 is computed from the local copy).",
            showDefaultValue = CommandLine.Help.Visibility.NEVER)
    private String weightsUri;

    @Option(
            names = "--property",
            showDefaultValue = CommandLine.Help.Visibility.NEVER,
            paramLabel = "KEY=VALUE",
            description = "Kafka producer property " + "(security.protocol, sasl.*, ssl.*, ...); repeatable.")
    private Map<String, String> properties = new LinkedHashMap<>();

    @Override
    public Integer call() throws Exception {
        RecurrentModel loaded = ModelDirectory.read(model); // the job would reject an invalid one anyway
        Instant now = Instant.now();
        ModelUpdate update = weightsUri == null
                ? ModelUpdates.inline(modelId, loaded, now)
                : ModelUpdates.byReference(
                        modelId, loaded.config(), weightsUri, model.resolve(ModelDirectory.WEIGHTS_FILE), now);
        byte[] value = ModelUpdateDecoder.encode(update);
        Properties producerProperties = new Properties();
        producerProperties.putAll(properties);
        producerProperties.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        producerProperties.put(ProducerConfig.ACKS_CONFIG, "all");
        producerProperties.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        producerProperties.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        producerProperties.putIfAbsent(
                ProducerConfig.MAX_REQUEST_SIZE_CONFIG, String.valueOf(Math.max(1 << 20, value.length + 1024)));
        RecordMetadata written;
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(producerProperties)) {
            written = producer.send(new ProducerRecord<>(topic, modelId.getBytes(StandardCharsets.UTF_8), value))
                    .get();
        }
        PrintWriter out = spec.commandLine().getOut();
        out.printf(
                "published model %s version %s (%d bytes, weights %s) to %s-%d@%d%n",
                modelId,
                loaded.version(),
                value.length,
                weightsUri == null ? "inline" : weightsUri,
                written.topic(),
                written.partition(),
                written.offset());
        out.flush();
        return 0;
    }
}
