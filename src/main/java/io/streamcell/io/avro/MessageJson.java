package io.streamcell.io.avro;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.streamcell.avro.AnomalyAlert;
import io.streamcell.avro.DeadLetter;
import io.streamcell.avro.Forecast;
import io.streamcell.avro.ModelUpdate;
import io.streamcell.avro.SensorReading;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Base64;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DecoderFactory;

/**
 * The messages of StreamCell's topics as JSON, for people and scripts: a single-object encoded
 * message of any of the schemas in {@code schemas/} becomes one JSON object with the schema's field
 * names. Times ({@code timestamp-millis}) are ISO-8601 instants in UTC, bytes are Base64, floats that
 * are not finite are null, and the object's {@code "schema"} names the message type.
 */
public final class MessageJson {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final Map<Long, Schema> SCHEMAS = new LinkedHashMap<>();

    static {
        for (Schema schema : List.of(
                Forecast.getClassSchema(),
                AnomalyAlert.getClassSchema(),
                DeadLetter.getClassSchema(),
                SensorReading.getClassSchema(),
                ModelUpdate.getClassSchema())) {
            SCHEMAS.put(SchemaNormalization.parsingFingerprint64(schema), schema);
        }
    }

    private MessageJson() {}

    /** The names of the message types this class reads. */
    public static Collection<String> schemaNames() {
        return SCHEMAS.values().stream().map(Schema::getName).toList();
    }

    /**
     * @throws IllegalArgumentException in words, when the bytes are not a single-object message of
     *     one of the schemas or do not decode
     */
    public static ObjectNode toJson(byte[] message) {
        if (!SingleObject.hasHeader(message)) {
            throw new IllegalArgumentException("not an Avro single-object message");
        }
        long fingerprint = SingleObject.fingerprint(message);
        Schema schema = SCHEMAS.get(fingerprint);
        if (schema == null) {
            throw new IllegalArgumentException(String.format(
                    "a message of an unknown schema (fingerprint %016x; known: %s)", fingerprint, schemaNames()));
        }
        GenericRecord record;
        try {
            BinaryDecoder decoder = DecoderFactory.get()
                    .binaryDecoder(
                            message, SingleObject.HEADER_LENGTH, message.length - SingleObject.HEADER_LENGTH, null);
            record = new GenericDatumReader<GenericRecord>(schema).read(null, decoder);
            if (!decoder.isEnd()) {
                throw new IllegalArgumentException("a " + schema.getName() + " message with bytes after its body");
            }
        } catch (IOException | RuntimeException e) {
            if (e instanceof IllegalArgumentException known) {
                throw known;
            }
            throw new IllegalArgumentException("a " + schema.getName() + " message whose body does not decode");
        }
        ObjectNode json = NODES.objectNode();
        json.put("schema", schema.getName());
        json.setAll((ObjectNode) value(record, schema));
        return json;
    }

    private static JsonNode value(Object value, Schema schema) {
        if (value == null) {
            return NODES.nullNode();
        }
        switch (schema.getType()) {
            case UNION:
                for (Schema branch : schema.getTypes()) {
                    if (branch.getType() != Schema.Type.NULL && matches(value, branch)) {
                        return value(value, branch);
                    }
                }
                return NODES.nullNode();
            case RECORD:
                GenericRecord record = (GenericRecord) value;
                ObjectNode object = NODES.objectNode();
                for (Schema.Field field : schema.getFields()) {
                    object.set(field.name(), value(record.get(field.pos()), field.schema()));
                }
                return object;
            case ARRAY:
                ArrayNode array = NODES.arrayNode();
                for (Object element : (Collection<?>) value) {
                    array.add(value(element, schema.getElementType()));
                }
                return array;
            case MAP:
                ObjectNode map = NODES.objectNode();
                ((Map<?, ?>) value).forEach((k, v) -> map.set(k.toString(), value(v, schema.getValueType())));
                return map;
            case LONG:
                long number = (Long) value;
                return schema.getLogicalType() instanceof LogicalTypes.TimestampMillis
                        ? NODES.textNode(Instant.ofEpochMilli(number).toString())
                        : NODES.numberNode(number);
            case INT:
                return NODES.numberNode((Integer) value);
            case FLOAT:
                float f = (Float) value;
                return Float.isFinite(f) ? NODES.numberNode(f) : NODES.nullNode();
            case DOUBLE:
                double d = (Double) value;
                return Double.isFinite(d) ? NODES.numberNode(d) : NODES.nullNode();
            case BOOLEAN:
                return NODES.booleanNode((Boolean) value);
            case BYTES:
                ByteBuffer buffer = ((ByteBuffer) value).duplicate();
                byte[] bytes = new byte[buffer.remaining()];
                buffer.get(bytes);
                return NODES.textNode(Base64.getEncoder().encodeToString(bytes));
            default:
                return NODES.textNode(value.toString());
        }
    }

    private static boolean matches(Object value, Schema branch) {
        return switch (branch.getType()) {
            case RECORD ->
                value instanceof GenericRecord r && r.getSchema().getFullName().equals(branch.getFullName());
            case ARRAY -> value instanceof Collection;
            case MAP -> value instanceof Map;
            case STRING, ENUM -> value instanceof CharSequence;
            case BYTES -> value instanceof ByteBuffer;
            case LONG -> value instanceof Long;
            case INT -> value instanceof Integer;
            case FLOAT -> value instanceof Float;
            case DOUBLE -> value instanceof Double;
            case BOOLEAN -> value instanceof Boolean;
            default -> true;
        };
    }
}
