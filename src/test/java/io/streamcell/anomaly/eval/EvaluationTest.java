package io.streamcell.anomaly.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamcell.anomaly.AlertPolicy;
import io.streamcell.anomaly.nab.NabCorpus;
import io.streamcell.anomaly.nab.NabLabels;
import io.streamcell.anomaly.nab.NabResult;
import io.streamcell.anomaly.nab.NabScorer;
import io.streamcell.anomaly.nab.Profile;
import io.streamcell.anomaly.nab.ScoredSeries;
import io.streamcell.anomaly.nab.Window;
import java.io.IOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.function.IntToDoubleFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EvaluationTest {
    private static final int FILES = 3;
    private static final int ROWS = 1500;

    @TempDir
    Path temp;

    private List<LabelledCorpus.File> corpus;
    private Path data;
    private Path labels;
    private Path results;

    @BeforeEach
    void generateCorpus() throws IOException {
        corpus = LabelledCorpus.write(temp.resolve("corpus"), FILES, ROWS, 5);
        data = LabelledCorpus.dataDir(temp.resolve("corpus"));
        labels = LabelledCorpus.labelsFile(temp.resolve("corpus"));
        results = temp.resolve("results");
    }

    @Test
    void writesOneNabResultFilePerDataFileWithExactColumnsRowsAndLabels() throws IOException {
        Evaluation.Result result = Evaluation.run(EvalFixtures.tinyValueModel(), data, labels, results, null);

        assertThat(result.series()).hasSize(FILES);
        assertThat(result.rows()).isEqualTo((long) FILES * ROWS);
        for (LabelledCorpus.File file : corpus) {
            List<String> in = Files.readAllLines(data.resolve(file.key()));
            List<String> out = Files.readAllLines(results.resolve(file.key()));
            assertThat(out).hasSameSizeAs(in);
            assertThat(out.get(0)).isEqualTo("timestamp,value,anomaly_score,label");
            for (int i = 1; i < in.size(); i++) {
                String[] input = in.get(i).split(",", -1);
                String[] row = out.get(i).split(",", -1);
                int r = i - 1;
                assertThat(row).hasSize(4);
                assertThat(row[0]).isEqualTo(input[0]);
                assertThat(row[1]).isEqualTo(input[1]);
                assertThat(Double.parseDouble(row[2])).isBetween(0.0, 1.0);
                boolean inWindow = file.anomalies().stream().anyMatch(a -> r >= a.windowStart() && r <= a.windowEnd());
                assertThat(row[3]).as("label of row %d of %s", r, file.key()).isEqualTo(inWindow ? "1" : "0");
            }
            assertThat(out.get(1).split(",")[2]).isEqualTo("0.0"); // nothing to score the first row against
        }
    }

    @Test
    void summaryJsonHasTheThreeProfilesAndAgreesWithRescoringTheResultFiles() throws IOException {
        Evaluation.Result result = Evaluation.run(EvalFixtures.tinyValueModel(), data, labels, results, null);
        JsonNode summary =
                new ObjectMapper().readTree(results.resolve("summary.json").toFile());

        Map<String, ScoredSeries> reread = NabCorpus.readResults(results);
        Map<Profile, NabResult> rescored = new NabScorer().score(reread, NabLabels.read(labels), Profile.published());
        for (Profile profile : Profile.published()) {
            JsonNode p = summary.path("profiles").path(profile.name());
            assertThat(p.isObject()).as(profile.name()).isTrue();
            double normalized = p.path("normalized_score").asDouble();
            assertThat(normalized).isLessThanOrEqualTo(100.0);
            assertThat(normalized).isCloseTo(rescored.get(profile).normalizedScore(), within(1e-9));
            assertThat(p.path("threshold").asDouble())
                    .isEqualTo(rescored.get(profile).threshold());
            assertThat(p.path("tp").asLong()
                            + p.path("fp").asLong()
                            + p.path("fn").asLong()
                            + p.path("tn").asLong())
                    .isEqualTo((long) FILES * (ROWS - 225));
            assertThat(p.path("null_score").asDouble())
                    .isEqualTo(-profile.fnWeight() * p.path("windows").asInt());
        }
        int windows = corpus.stream().mapToInt(f -> f.anomalies().size()).sum();
        assertThat(summary.path("profiles").path("standard").path("windows").asInt())
                .isEqualTo(windows);
        JsonNode episodes = summary.path("alert_episodes");
        assertThat(episodes.path("scored_windows").asInt()).isEqualTo(windows);
        long alertRows =
                result.series().stream().mapToLong(s -> countTrue(s.alerts())).sum();
        assertThat(episodes.path("episodes").asLong()).isBetween(0L, alertRows);
        assertThat(summary.path("files").asInt()).isEqualTo(FILES);
        assertThat(Evaluation.summaryTable(result)).contains("standard", "reward_low_FP_rate", "reward_low_FN_rate");
    }

    @Test
    void perfectAndNullDetectorResultFilesScore100And0() throws IOException {
        Map<String, List<Window>> windows = NabLabels.read(labels);
        Path perfect = temp.resolve("perfect");
        Path constant = temp.resolve("null");
        for (LabelledCorpus.File file : corpus) {
            writeResultFile(
                    perfect.resolve(file.key()),
                    file,
                    row -> file.anomalies().stream().anyMatch(a -> a.windowStart() == row) ? 1.0 : 0.0);
            writeResultFile(constant.resolve(file.key()), file, row -> 0.5);
        }

        Map<Profile, NabResult> perfectScores =
                new NabScorer().score(NabCorpus.readResults(perfect), windows, Profile.published());
        Map<Profile, NabResult> nullScores =
                new NabScorer().score(NabCorpus.readResults(constant), windows, Profile.published());

        for (Profile profile : Profile.published()) {
            assertThat(perfectScores.get(profile).normalizedScore())
                    .as(profile.name())
                    .isCloseTo(100.0, within(1e-9));
            assertThat(nullScores.get(profile).normalizedScore())
                    .as(profile.name())
                    .isCloseTo(0.0, within(1e-9));
        }
    }

    @Test
    void detectorNamePrefixesResultFilesAsNabDoes() throws IOException {
        Path detectorDir = temp.resolve("results").resolve("streamcell"); // NAB's results/<detector>/
        Evaluation.run(EvalFixtures.tinyValueModel(), data, labels, detectorDir, "streamcell");

        assertThat(detectorDir.resolve("synthetic/streamcell_series_001.csv")).exists();
        assertThat(NabCorpus.readResults(detectorDir).keySet())
                .containsExactlyElementsOf(
                        corpus.stream().map(LabelledCorpus.File::key).toList());
    }

    @Test
    void aModelWithoutTheSingleFeatureValueIsRejected() {
        assertThatThrownBy(() -> Evaluation.run(
                        EvalFixtures.tinyModel(List.of("value", "other"), List.of("value")),
                        data,
                        labels,
                        results,
                        null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("single feature and target 'value'")
                .hasMessageContaining("[value, other]");
        assertThat(results).doesNotExist();
    }

    @Test
    void aDataFileWithoutLabelsIsRejected() throws IOException {
        Files.writeString(labels, "{\"synthetic/series_001.csv\": []}");

        assertThatThrownBy(() -> Evaluation.run(EvalFixtures.tinyValueModel(), data, labels, results, null))
                .hasMessageContaining("synthetic/series_002.csv");
    }

    @Test
    void htmlReportIsOfflineWithOneEmbeddedPngPerSeries() throws IOException {
        Evaluation.Result result = Evaluation.run(EvalFixtures.tinyValueModel(), data, labels, results, null);
        Path report = temp.resolve("report.html");

        EvaluationReport.write(result, report);

        String html = Files.readString(report);
        Matcher images = Pattern.compile("<img src=\"data:image/png;base64,([A-Za-z0-9+/=]+)\"")
                .matcher(html);
        int count = 0;
        while (images.find()) {
            byte[] png = Base64.getDecoder().decode(images.group(1));
            assertThat(png).startsWith((byte) 0x89, (byte) 'P', (byte) 'N', (byte) 'G');
            count++;
        }
        assertThat(count).isEqualTo(FILES);
        assertThat(html).doesNotContain("http://", "https://", "src=\"//");
        assertThat(html).contains("reward_low_FN_rate", "synthetic/series_003.csv");
    }

    @Test
    void anEscalationWithinOnePolicyEpisodeIsOneAlertEpisode() {
        AlertPolicy.Settings policy = AlertPolicy.DEFAULTS; // reset 0.3, 10 quiet steps
        double[] levels = new double[40];
        boolean[] alerts = new boolean[40];
        levels[5] = 0.6; // warning
        alerts[5] = true;
        levels[6] = 0.4; // not quiet
        levels[8] = 0.9; // escalation: same episode
        alerts[8] = true;
        levels[25] = 0.6; // after 16 quiet rows: a new episode
        alerts[25] = true;

        boolean[] rows = Evaluation.episodeRows(levels, alerts, policy);

        for (int i = 0; i < rows.length; i++) {
            assertThat(rows[i]).as("row %d", i).isEqualTo(i >= 5 && i <= 8 || i == 25);
        }
    }

    private static long countTrue(boolean[] flags) {
        long n = 0;
        for (boolean flag : flags) {
            n += flag ? 1 : 0;
        }
        return n;
    }

    private static void writeResultFile(Path file, LabelledCorpus.File source, IntToDoubleFunction score)
            throws IOException {
        Files.createDirectories(file.getParent());
        List<String> in = Files.readAllLines(source.path());
        try (Writer writer = Files.newBufferedWriter(file)) {
            writer.write("timestamp,value,anomaly_score,label\n");
            for (int i = 1; i < in.size(); i++) {
                writer.write(in.get(i) + "," + score.applyAsDouble(i - 1) + ",0\n");
            }
        }
    }
}
