package io.streamcell.io.avro;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamcell.avro.AnomalyAlert;
import io.streamcell.avro.DeadLetter;
import io.streamcell.avro.Forecast;
import io.streamcell.avro.ModelUpdate;
import io.streamcell.avro.SensorReading;
import io.streamcell.io.deadletter.DeadLetterReason;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;

/** The schema files keep the promises schemas/README.md makes about them. */
class SchemaFilesTest {
    private static final List<Schema> SCHEMAS = List.of(
            SensorReading.getClassSchema(),
            Forecast.getClassSchema(),
            AnomalyAlert.getClassSchema(),
            DeadLetter.getClassSchema(),
            ModelUpdate.getClassSchema());

    @Test
    void shouldDocumentEveryDeadLetterReason() throws IOException {
        String readme = Files.readString(Path.of("schemas/README.md"));

        for (DeadLetterReason reason : DeadLetterReason.values()) {
            assertThat(readme).contains("| `" + reason.wireName() + "`");
        }
    }

    @Test
    void shouldGiveEveryOptionalFieldANullDefault() {
        for (Schema schema : SCHEMAS) {
            for (Schema.Field field : schema.getFields()) {
                if (field.schema().isNullable()) {
                    assertThat(field.hasDefaultValue())
                            .as(schema.getName() + "." + field.name())
                            .isTrue();
                    assertThat(field.schema().getTypes().get(0).getType())
                            .as(schema.getName() + "." + field.name() + " lists null first")
                            .isEqualTo(Schema.Type.NULL);
                }
            }
        }
    }

    @Test
    void shouldDocumentEveryFieldInSchemaAndReadme() throws IOException {
        String readme = Files.readString(Path.of("schemas/README.md"));

        for (Schema schema : SCHEMAS) {
            assertThat(schema.getNamespace()).isEqualTo("io.streamcell.avro");
            for (Schema.Field field : schema.getFields()) {
                assertThat(field.doc())
                        .as(schema.getName() + "." + field.name())
                        .isNotBlank();
                assertThat(readme).as(schema.getName() + "." + field.name()).contains("`" + field.name() + "`");
            }
        }
    }
}
