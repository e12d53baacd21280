package io.streamcell.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamcell.anomaly.eval.EvalFixtures;
import io.streamcell.model.io.ModelDirectory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EvaluateCommandTest {
    @TempDir
    Path temp;

    @Test
    void generateCorpusThenEvaluateWritesResultsSummaryAndReport() throws IOException {
        Path corpus = temp.resolve("corpus");
        Path model = temp.resolve("model");
        Path results = temp.resolve("results");
        Path report = temp.resolve("report.html");
        ModelDirectory.write(EvalFixtures.tinyValueModel(), model);

        CliRun generate = CliRun.of(
                "generate-corpus", "--out", corpus.toString(), "--files", "2", "--length", "800", "--seed", "9");
        CliRun evaluate = CliRun.of(
                "evaluate",
                "--data",
                corpus.resolve("data").toString(),
                "--labels",
                corpus.resolve("labels/combined_windows.json").toString(),
                "--results",
                results.toString(),
                "--model",
                model.toString(),
                "--report",
                report.toString());

        assertThat(generate.exitCode()).as(generate.err()).isZero();
        assertThat(evaluate.exitCode()).as(evaluate.err()).isZero();
        assertThat(evaluate.out()).contains("standard", "reward_low_FP_rate", "reward_low_FN_rate", "alert episodes");
        assertThat(results.resolve("summary.json")).exists();
        List<String> rows = Files.readAllLines(results.resolve("synthetic/series_002.csv"));
        assertThat(rows).hasSize(801);
        assertThat(rows.get(0)).isEqualTo("timestamp,value,anomaly_score,label");
        assertThat(Files.readString(report)).contains("<img src=\"data:image/png;base64,");
    }

    @Test
    void aModelOfOtherFeaturesFailsWithOneClearLine() throws IOException {
        Path corpus = temp.resolve("corpus");
        Path model = temp.resolve("model");
        ModelDirectory.write(EvalFixtures.tinyModel(List.of("temperature"), List.of("temperature")), model);
        CliRun.of("generate-corpus", "--out", corpus.toString(), "--files", "1", "--length", "400");

        CliRun evaluate = CliRun.of(
                "evaluate",
                "--data",
                corpus.resolve("data").toString(),
                "--labels",
                corpus.resolve("labels/combined_windows.json").toString(),
                "--results",
                temp.resolve("results").toString(),
                "--model",
                model.toString());

        assertThat(evaluate.exitCode()).isEqualTo(StreamCellCli.EXIT_FAILURE);
        assertThat(evaluate.err())
                .startsWith("error: evaluate needs a model with the single feature and target 'value'")
                .contains("[temperature]");
    }

    @Test
    void withoutAModelTheZeroShotDefaultIsUsed(@TempDir Path corpusDir) throws Exception {
        Path corpus = corpusDir.resolve("corpus");
        assertThat(CliRun.of("generate-corpus", "--out", corpus.toString(), "--files", "1", "--length", "1200")
                        .exitCode())
                .isZero();

        CliRun evaluate = CliRun.of(
                "evaluate",
                "--data",
                corpus.resolve("data").toString(),
                "--labels",
                corpus.resolve("labels/combined_windows.json").toString(),
                "--results",
                corpusDir.resolve("results").toString());

        assertThat(evaluate.exitCode()).as(evaluate.err()).isZero();
        assertThat(evaluate.out()).contains("model default-gru16-3");
        assertThat(CliRun.of("help", "evaluate").out().replaceAll("\\s+", " ")).contains("bundled zero-shot model");
        assertThat(CliRun.of("--help").out()).contains("evaluate", "generate-corpus");
    }
}
