package io.streamcell.anomaly.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamcell.anomaly.nab.NabCorpus;
import io.streamcell.anomaly.nab.NabLabels;
import io.streamcell.anomaly.nab.Window;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LabelledCorpusTest {
    @TempDir
    Path temp;

    @Test
    void writesNabLayoutWithTimestampValueColumns() throws IOException {
        List<LabelledCorpus.File> files = LabelledCorpus.write(temp, 3, 1500, 7);

        assertThat(files)
                .extracting(LabelledCorpus.File::key)
                .containsExactly("synthetic/series_001.csv", "synthetic/series_002.csv", "synthetic/series_003.csv");
        for (LabelledCorpus.File file : files) {
            List<String> lines = Files.readAllLines(temp.resolve("data").resolve(file.key()));
            assertThat(lines).hasSize(1501);
            assertThat(lines.get(0)).isEqualTo("timestamp,value");
            assertThat(lines.get(1)).matches("2014-01-01 00:00:00,-?\\d+\\.\\d{4}");
            assertThat(lines.get(2)).startsWith("2014-01-01 00:05:00,");
        }
    }

    @Test
    void windowsFollowNabConventionCentredOnEachAnomalyAfterProbation() throws IOException {
        int n = 1500;
        List<LabelledCorpus.File> files = LabelledCorpus.write(temp, 6, n, 11);
        Map<String, List<Window>> labels = NabLabels.read(LabelledCorpus.labelsFile(temp));

        assertThat(labels.keySet())
                .containsExactlyElementsOf(
                        files.stream().map(LabelledCorpus.File::key).toList());
        for (LabelledCorpus.File file : files) {
            int k = file.anomalies().size();
            assertThat(k).isBetween(1, 3);
            int width = (int) Math.floor(0.1 * n / k);
            List<LocalDateTime> timestamps = NabCorpus.readTimestamps(file.path());
            List<Window> windows = labels.get(file.key());
            assertThat(windows).hasSize(k);
            for (int a = 0; a < k; a++) {
                LabelledCorpus.Anomaly anomaly = file.anomalies().get(a);
                assertThat(anomaly.windowEnd() - anomaly.windowStart() + 1).isEqualTo(width);
                assertThat(anomaly.row() - anomaly.windowStart()).isEqualTo(width / 2);
                assertThat(anomaly.windowStart()).isGreaterThan(225); // after 15% of 1500 rows
                assertThat(anomaly.windowEnd()).isLessThan(n);
                assertThat(windows.get(a))
                        .isEqualTo(
                                new Window(timestamps.get(anomaly.windowStart()), timestamps.get(anomaly.windowEnd())));
                if (a > 0) {
                    assertThat(anomaly.windowStart())
                            .isGreaterThan(file.anomalies().get(a - 1).windowEnd());
                }
            }
        }
    }

    @Test
    void theSameSeedGivesTheSameFiles() throws IOException {
        LabelledCorpus.write(temp.resolve("a"), 2, 500, 3);
        LabelledCorpus.write(temp.resolve("b"), 2, 500, 3);
        LabelledCorpus.write(temp.resolve("c"), 2, 500, 4);

        String file = "data/synthetic/series_002.csv";
        assertThat(Files.readString(temp.resolve("a").resolve(file)))
                .isEqualTo(Files.readString(temp.resolve("b").resolve(file)))
                .isNotEqualTo(Files.readString(temp.resolve("c").resolve(file)));
        assertThat(Files.readString(LabelledCorpus.labelsFile(temp.resolve("a"))))
                .isEqualTo(Files.readString(LabelledCorpus.labelsFile(temp.resolve("b"))));
    }

    @Test
    void rejectsTooFewFilesOrRows() {
        assertThatThrownBy(() -> LabelledCorpus.write(temp, 0, 1000, 1)).hasMessageContaining("--files");
        assertThatThrownBy(() -> LabelledCorpus.write(temp, 1, 100, 1)).hasMessageContaining("--length");
    }
}
