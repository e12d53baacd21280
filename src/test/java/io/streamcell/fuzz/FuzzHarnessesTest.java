package io.streamcell.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.streamcell.io.avro.DecodedRecord;
import io.streamcell.testing.KafkaTestClients;
import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * What makes the harnesses worth running in every build: in the default build a {@code @FuzzTest}
 * runs on its committed inputs only (plus the empty one), so a harness without inputs tests almost
 * nothing; and a harness must reach the checks it was written for.
 */
class FuzzHarnessesTest {
    private static final Path INPUTS = Path.of("src", "test", "resources", "io", "streamcell", "fuzz");

    @Test
    void everyHarnessHasCommittedInputs() throws Exception {
        List<String> harnesses = new ArrayList<>();
        try (Stream<Path> sources = Files.list(Path.of("src", "test", "java", "io", "streamcell", "fuzz"))) {
            for (Path source : sources.sorted().toList()) {
                String name = source.getFileName().toString().replace(".java", "");
                for (Method method : Class.forName("io.streamcell.fuzz." + name).getDeclaredMethods()) {
                    if (method.isAnnotationPresent(FuzzTest.class)) {
                        harnesses.add(name + "." + method.getName());
                        Path inputs = INPUTS.resolve(name + "Inputs").resolve(method.getName());
                        assertThat(count(inputs))
                                .as("committed inputs of %s.%s in %s", name, method.getName(), inputs)
                                .isGreaterThanOrEqualTo(3);
                    }
                }
            }
        }
        assertThat(harnesses).hasSizeGreaterThanOrEqualTo(5);
    }

    @Test
    void theReadingDecoderHarnessAcceptsReadingsOfItsInputsTimes() {
        Map<String, Double> values = new HashMap<>();
        values.put("value", 1.5);
        values.put("temp", 20.0);
        for (String time : List.of("1970-01-02T00:00:00Z", "2024-06-01T12:00:00Z", "2096-01-01T00:00:00Z")) {
            long eventTime = Instant.parse(time).toEpochMilli();
            DecodedRecord record = ReadingDecoderFuzzTest.DECODER.decode(
                    "readings", 0, 1L, 1L, null, KafkaTestClients.reading("s1", eventTime, values));
            assertThat(record.reason).as("a valid reading at %s", time).isNull();
        }
    }

    private static long count(Path directory) throws IOException {
        if (!Files.isDirectory(directory)) {
            return 0;
        }
        try (Stream<Path> files = Files.list(directory)) {
            return files.filter(Files::isRegularFile).count();
        }
    }
}
