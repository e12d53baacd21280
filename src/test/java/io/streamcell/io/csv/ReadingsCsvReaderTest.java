package io.streamcell.io.csv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReadingsCsvReaderTest {

    private static ReadingsCsvReader open(String text, String... features) throws IOException {
        return ReadingsCsvReader.open(new StringReader(text), "in.csv", List.of(features));
    }

    @Test
    void readsFeaturesByNameInModelOrderIgnoringOtherColumns() throws IOException {
        try (ReadingsCsvReader reader = open("timestamp,b,extra,key,a\n1000,2.5,x,s1,-1\n", "a", "b")) {
            ReadingsCsvReader.Row row = reader.next();
            assertThat(row.key()).isEqualTo("s1");
            assertThat(row.epochMillis()).isEqualTo(1000);
            assertThat(row.features()).containsExactly(-1f, 2.5f);
            assertThat(row.line()).isEqualTo(2);
            assertThat(reader.next()).isNull();
        }
    }

    @Test
    void withoutKeyColumnTheWholeFileIsOneKey() throws IOException {
        try (ReadingsCsvReader reader = open("\uFEFFtimestamp,a\n2024-01-01T00:00:00Z,1\n2024-01-01 00:00:01,2", "a")) {
            assertThat(reader.hasKeyColumn()).isFalse();
            ReadingsCsvReader.Row first = reader.next();
            ReadingsCsvReader.Row second = reader.next();
            assertThat(first.key()).isEmpty();
            assertThat(first.epochMillis()).isEqualTo(1704067200000L);
            assertThat(second.epochMillis()).isEqualTo(1704067201000L);
            assertThat(second.timestampText()).isEqualTo("2024-01-01 00:00:01");
            assertThat(second.line()).isEqualTo(3); // last line without a newline
        }
    }

    @Test
    void quotedKeysMayHoldCommas() throws IOException {
        try (ReadingsCsvReader reader = open("key,timestamp,a\n\"plant 1, line 2\",5,1.5\n", "a")) {
            assertThat(reader.next().key()).isEqualTo("plant 1, line 2");
        }
    }

    @Test
    void nonFiniteValuesAreRejectedWithLineAndColumn() throws IOException {
        try (ReadingsCsvReader reader = open("timestamp,a\n1,1\n2,NaN\n", "a")) {
            reader.next();
            assertThatThrownBy(reader::next)
                    .isInstanceOf(CsvFormatException.class)
                    .hasMessage("in.csv:3: column 'a': NaN is not a finite float32 value");
        }
    }

    @Test
    void valuesBeyondFloatRangeAreRejected() throws IOException {
        try (ReadingsCsvReader reader = open("timestamp,a\n1,1e39\n", "a")) {
            assertThatThrownBy(reader::next).hasMessageContaining("1e39 is not a finite float32 value");
        }
    }

    @Test
    void badTimestampIsRejected() throws IOException {
        try (ReadingsCsvReader reader = open("timestamp,a\nyesterday,1\n", "a")) {
            assertThatThrownBy(reader::next)
                    .isInstanceOf(CsvFormatException.class)
                    .hasMessageContaining("in.csv:2: column 'timestamp'")
                    .hasMessageContaining("neither epoch milliseconds nor ISO-8601");
        }
    }

    @Test
    void rowWithWrongColumnCountIsRejected() throws IOException {
        try (ReadingsCsvReader reader = open("timestamp,a,b\n1,2\n", "a")) {
            assertThatThrownBy(reader::next).hasMessage("in.csv:2: 2 columns, the header has 3");
        }
    }

    @Test
    void missingTimestampColumnIsRejectedAtOpen() {
        assertThatThrownBy(() -> open("time,a\n1,2\n", "a"))
                .isInstanceOf(CsvFormatException.class)
                .hasMessageContaining("no 'timestamp' column");
    }

    @Test
    void emptyFileIsRejected() {
        assertThatThrownBy(() -> open("", "a")).hasMessageContaining("empty file");
    }

    @Test
    void unclosedQuoteIsAFormatErrorNotAnIoError() throws IOException {
        assertThatThrownBy(() -> open("timestamp,\"a\n1,2\n", "a"))
                .isInstanceOf(CsvFormatException.class)
                .hasMessageContaining("in.csv: unreadable CSV, the header near line")
                .hasMessageContaining("Missing closing quote");
        try (ReadingsCsvReader reader = open("timestamp,a\n1,\"2\n", "a")) {
            assertThatThrownBy(reader::next)
                    .isInstanceOf(CsvFormatException.class)
                    .hasMessageContaining("in.csv: unreadable CSV, a row near line");
        }
    }

    @Test
    void bytesThatAreNotUtf8AreAFormatError(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("latin1.csv");
        Files.write(file, "timestamp,a\n1,caf\u00e9\n".getBytes(StandardCharsets.ISO_8859_1));
        assertThatThrownBy(() -> {
                    try (ReadingsCsvReader reader = ReadingsCsvReader.open(file, List.of("a"))) {
                        reader.next();
                    }
                })
                .isInstanceOf(CsvFormatException.class)
                .hasMessageContaining("latin1.csv: unreadable CSV")
                .hasMessageContaining("not UTF-8");
    }

    @Test
    void lineNumbersFollowRowsThatStartWithBlanksOrSpanLines() throws IOException {
        try (ReadingsCsvReader reader = open("timestamp,k,a\n1,x,1\n 2,y,2\n\n3,\"multi\nline\",3\n4,z,4", "a")) {
            assertThat(reader.next().line()).isEqualTo(2);
            assertThat(reader.next().line()).isEqualTo(3);
            assertThat(reader.next().line()).isEqualTo(6);
            assertThat(reader.next().line()).isEqualTo(7);
            assertThat(reader.next()).isNull();
        }
    }

    @Test
    void timestampForms() {
        assertThat(Timestamps.parseEpochMillis("-5")).isEqualTo(-5);
        assertThat(Timestamps.parseEpochMillis("2024-01-01T01:00:00+01:00")).isEqualTo(1704067200000L);
        assertThat(Timestamps.parseEpochMillis("2024-01-01T00:00:00.250")).isEqualTo(1704067200250L);
        assertThat(Timestamps.parseEpochMillis("2024-01-02")).isEqualTo(1704153600000L);
        assertThatThrownBy(() -> Timestamps.parseEpochMillis("99999999999999999999"))
                .hasMessageContaining("out of range");
    }
}
