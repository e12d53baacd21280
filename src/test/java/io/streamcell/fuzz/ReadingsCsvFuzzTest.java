package io.streamcell.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.streamcell.io.csv.CsvFormatException;
import io.streamcell.io.csv.ReadingsCsvReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/**
 * {@link ReadingsCsvReader}, which {@code replay}, {@code evaluate}, {@code train} and the NAB
 * evaluation read readings CSVs with. Contract: rows with finite features in model order, or a
 * {@link CsvFormatException} naming the file; a malformed file (an unclosed quote, bytes that are
 * not UTF-8) must not surface as a raw Jackson parse exception, a {@code MalformedInputException} or
 * any other exception.
 */
class ReadingsCsvFuzzTest {
    static final String SOURCE = "fuzz.csv";
    private static final List<String> FEATURES = List.of("value", "temp");

    @FuzzTest(maxDuration = "30s")
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void read(byte[] csv) throws IOException {
        // A strict UTF-8 decoder, as Files.newBufferedReader (ReadingsCsvReader.open(Path, ...)) uses.
        Reader text = new InputStreamReader(new ByteArrayInputStream(csv), StandardCharsets.UTF_8.newDecoder());
        try (ReadingsCsvReader reader = ReadingsCsvReader.open(text, SOURCE, FEATURES)) {
            long previousLine = 0;
            for (ReadingsCsvReader.Row row = reader.next(); row != null; row = reader.next()) {
                FuzzContract.check(
                        row.features().length == FEATURES.size(),
                        "row " + row.line() + " has " + row.features().length + " features");
                for (float value : row.features()) {
                    FuzzContract.check(Float.isFinite(value), "row " + row.line() + " has a non-finite feature");
                }
                FuzzContract.check(row.key() != null && row.timestampText() != null, "row without key or timestamp");
                FuzzContract.check(
                        row.line() > previousLine,
                        "line numbers do not increase: " + row.line() + " after " + previousLine);
                previousLine = row.line();
            }
        } catch (CsvFormatException e) {
            FuzzContract.documented(e, SOURCE);
        }
    }
}
