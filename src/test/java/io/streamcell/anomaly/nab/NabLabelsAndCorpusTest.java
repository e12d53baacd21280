package io.streamcell.anomaly.nab;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NabLabelsAndCorpusTest {
    @TempDir
    Path dir;

    @Test
    void readsCombinedWindowsJson() throws IOException {
        Path json = dir.resolve("combined_windows.json");
        Files.writeString(json, """
                {
                    "artificialNoAnomaly/art_flatline.csv": [],
                    "realKnownCause/nyc_taxi.csv": [
                        ["2015-01-26 10:30:00.000000", "2015-01-28 21:30:00.000000"],
                        ["2014-10-30 15:30:00.000000", "2014-11-03 22:30:00.000000"]
                    ]
                }
                """);
        Map<String, List<Window>> labels = NabLabels.read(json);
        assertThat(labels).containsOnlyKeys("artificialNoAnomaly/art_flatline.csv", "realKnownCause/nyc_taxi.csv");
        assertThat(labels.get("artificialNoAnomaly/art_flatline.csv")).isEmpty();
        assertThat(labels.get("realKnownCause/nyc_taxi.csv"))
                .containsExactly( // sorted by start
                        new Window(LocalDateTime.of(2014, 10, 30, 15, 30), LocalDateTime.of(2014, 11, 3, 22, 30)),
                        new Window(LocalDateTime.of(2015, 1, 26, 10, 30), LocalDateTime.of(2015, 1, 28, 21, 30)));
    }

    @Test
    void rejectsMalformedLabels() {
        assertThatThrownBy(() -> NabLabels.parse("{\"a.csv\": [[\"2014-01-01 00:00:00\"]]}"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("a.csv")
                .hasMessageContaining("expected a window");
        assertThatThrownBy(() -> NabLabels.parse("{\"a.csv\": [[\"2014-01-02 00:00:00\", \"2014-01-01 00:00:00\"]]}"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("before it starts");
        assertThatThrownBy(() -> NabLabels.parse("{\"a.csv\": [[\"yesterday\", \"today\"]]}"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not a NAB timestamp");
    }

    @Test
    void readsADetectorsResultsDirectoryKeyedLikeTheLabels() throws IOException {
        Path detector = dir.resolve("results/mydetector");
        Files.createDirectories(detector.resolve("realKnownCause"));
        Files.writeString(detector.resolve("realKnownCause/mydetector_nyc_taxi.csv"), """
                timestamp,value,anomaly_score,label
                2014-07-01 00:00:00,10844,0.0,0
                2014-07-01 00:30:00,8127,0.75,0
                """);
        Files.writeString(detector.resolve("mydetector_standard_scores.csv"), "Detector,Profile\n");
        Map<String, ScoredSeries> corpus = NabCorpus.readResults(detector);
        assertThat(corpus).containsOnlyKeys("realKnownCause/nyc_taxi.csv");
        ScoredSeries series = corpus.get("realKnownCause/nyc_taxi.csv");
        assertThat(series.timestamps())
                .containsExactly(LocalDateTime.of(2014, 7, 1, 0, 0), LocalDateTime.of(2014, 7, 1, 0, 30));
        assertThat(series.scores()).containsExactly(0.0, 0.75);
    }

    @Test
    void readsDataFileTimestamps() throws IOException {
        Path data = dir.resolve("data");
        Files.createDirectories(data.resolve("artificialNoAnomaly"));
        Files.writeString(
                data.resolve("artificialNoAnomaly/art_flatline.csv"),
                "timestamp,value\n2014-04-01 00:00:00,1\n2014-04-01 00:05:00,1\n");
        assertThat(NabCorpus.readDataTimestamps(data)).containsOnlyKeys("artificialNoAnomaly/art_flatline.csv");
        assertThat(NabCorpus.readDataTimestamps(data).get("artificialNoAnomaly/art_flatline.csv"))
                .hasSize(2);
    }

    @Test
    void resultFileErrorsNameTheFileAndLine() throws IOException {
        Path file = dir.resolve("bad.csv");
        Files.writeString(
                file, "timestamp,value,anomaly_score\n2014-07-01 00:00:00,1,0.5\n2014-07-01 00:30:00,1,high\n");
        assertThatThrownBy(() -> NabCorpus.readResultFile(file))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("bad.csv line 3");
        Path noScores = dir.resolve("data.csv");
        Files.writeString(noScores, "timestamp,value\n2014-07-01 00:00:00,1\n");
        assertThatThrownBy(() -> NabCorpus.readResultFile(noScores))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("no 'anomaly_score' column");
    }
}
