package io.streamcell.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamcell.model.ModelProvenance;
import io.streamcell.model.RecurrentModel;
import io.streamcell.model.io.ModelDirectory;
import io.streamcell.train.KeySeries;
import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code streamcell train} end to end on simulated sensor readings. */
class TrainCommandTest {
    @TempDir
    Path temp;

    Path input;

    @BeforeEach
    void generate() {
        input = temp.resolve("history.csv");
        CliRun run =
                CliRun.of("generate", "--keys", "3", "--steps", "400", "--seed", "3", "--output", input.toString());
        assertThat(run.exitCode()).as(run.err()).isZero();
    }

    @Test
    void trainsAndWritesAModelDirectoryWithProvenance() throws Exception {
        Path out = temp.resolve("models/temp-model");
        CliRun run = CliRun.of(
                "train",
                "--input",
                input.toString(),
                "--features",
                "temperature,humidity",
                "--targets",
                "temperature",
                "--cell",
                "gru",
                "--hidden",
                "8",
                "--horizon",
                "2",
                "--epochs",
                "3",
                "--window",
                "32",
                "--batch",
                "4",
                "--lr",
                "0.01",
                "--val",
                "0.2",
                "--season",
                "500",
                "--out",
                out.toString());

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.err()).contains("epoch 3/3").contains("validation");
        assertThat(run.out())
                .contains("model")
                .contains("naive last value")
                .containsPattern("seasonal naive \\(500\\) +n/a +n/a +0")
                .contains("best epoch");
        RecurrentModel model = ModelDirectory.read(out);
        assertThat(model.config().features()).containsExactly("temperature", "humidity");
        assertThat(model.config().targets()).containsExactly("temperature");
        assertThat(model.config().horizon()).isEqualTo(2);
        assertThat(model.version()).isEqualTo("temp-model");
        assertThat(model.config().inputScaler().isIdentity()).isFalse();
        JsonNode provenance = new ObjectMapper()
                .readTree(out.resolve(ModelDirectory.CONFIG_FILE).toFile())
                .get("provenance");
        String sha =
                HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(input)));
        assertThat(provenance.at("/input/sha256").asText()).isEqualTo(sha);
        assertThat(provenance.at("/seed").asLong()).isEqualTo(42);
        assertThat(provenance.at("/config/cell").asText()).isEqualTo("gru");
        assertThat(provenance.at("/metrics/model/mse").isNumber()).isTrue();
        assertThat(provenance.at("/metrics/seasonal_naive/mse").isNull())
                .isTrue(); // 400 steps < one season: no seasonal-naive forecast
        assertThat(provenance.at("/created").asText()).isNotEmpty();
        try (var siblings = Files.list(out.getParent())) {
            assertThat(siblings).containsExactly(out); // no temporary directories left behind
        }
    }

    @Test
    void recordsTheInputFileBesideTheTrainersProvenance() throws Exception {
        Path out = temp.resolve("model");
        CliRun run = CliRun.of(
                "train",
                "--input",
                input.toString(),
                "--features",
                "temperature",
                "--targets",
                "temperature",
                "--hidden",
                "4",
                "--epochs",
                "1",
                "--seed",
                "5",
                "--out",
                out.toString(),
                "--quiet");
        assertThat(run.exitCode()).as(run.err()).isZero();

        ModelProvenance provenance = ModelDirectory.read(out).config().provenance();
        assertThat(provenance.tool()).startsWith("streamcell train ");
        assertThat(provenance.input().file())
                .isEqualTo(input.toAbsolutePath().normalize().toString());
        assertThat(provenance.input().sha256()).hasSize(64);
        assertThat(provenance.input().seriesSha256())
                .isEqualTo(KeySeries.sha256(
                        KeySeries.readCsv(input, List.of("temperature"), List.of("temperature")),
                        List.of("temperature"),
                        List.of("temperature")));
        assertThat(provenance.input().rows()).isEqualTo(3 * 400);
        assertThat(provenance.input().keys()).isEqualTo(3);
        assertThat(provenance.options().hidden()).isEqualTo(4);
        assertThat(provenance.seed()).isEqualTo(5);
        assertThat(provenance.training().epochsRun()).isEqualTo(1);
        assertThat(provenance.versions().java()).isEqualTo(System.getProperty("java.version"));
    }

    @Test
    void writesAModelDirectoryThatOtherUsersCanRead() throws Exception {
        assumeTrue(FileSystems.getDefault().supportedFileAttributeViews().contains("posix"), "POSIX permissions");
        Path plainDirectory = Files.createDirectory(temp.resolve("plain-directory")); // as the umask makes them
        Path plainFile = Files.createFile(temp.resolve("plain-file"));
        Path out = temp.resolve("models/model");
        CliRun run = CliRun.of(
                "train",
                "--input",
                input.toString(),
                "--features",
                "temperature",
                "--targets",
                "temperature",
                "--hidden",
                "4",
                "--epochs",
                "1",
                "--out",
                out.toString(),
                "--quiet");
        assertThat(run.exitCode()).as(run.err()).isZero();

        assertThat(Files.getPosixFilePermissions(out)).isEqualTo(Files.getPosixFilePermissions(plainDirectory));
        for (String file : new String[] {ModelDirectory.CONFIG_FILE, ModelDirectory.WEIGHTS_FILE}) {
            assertThat(Files.getPosixFilePermissions(out.resolve(file)))
                    .as(file)
                    .isEqualTo(Files.getPosixFilePermissions(plainFile));
        }
    }

    @Test
    void missingFeatureColumnFailsWithAClearMessage() {
        Path out = temp.resolve("model");
        CliRun run = CliRun.of(
                "train",
                "--input",
                input.toString(),
                "--features",
                "temperature,pressure",
                "--targets",
                "temperature",
                "--out",
                out.toString(),
                "--quiet");
        assertThat(run.exitCode()).isEqualTo(StreamCellCli.EXIT_FAILURE);
        assertThat(run.err()).contains("--features column(s) [pressure] not in the header");
        assertThat(out).doesNotExist();
    }

    @Test
    void missingTargetColumnFailsWithAClearMessage() {
        CliRun run = CliRun.of(
                "train",
                "--input",
                input.toString(),
                "--features",
                "temperature",
                "--targets",
                "temp",
                "--out",
                temp.resolve("model").toString(),
                "--quiet");
        assertThat(run.exitCode()).isEqualTo(StreamCellCli.EXIT_FAILURE);
        assertThat(run.err()).contains("--targets column(s) [temp] not in the header");
    }

    @Test
    void refusesToOverwriteAnExistingModelWithoutForce() throws IOException {
        Path out = Files.createDirectories(temp.resolve("model"));
        Files.writeString(out.resolve("keep.txt"), "x");
        String[] args = {
            "train",
            "--input",
            input.toString(),
            "--features",
            "temperature",
            "--targets",
            "temperature",
            "--hidden",
            "4",
            "--epochs",
            "1",
            "--out",
            out.toString(),
            "--quiet"
        };
        CliRun run = CliRun.of(args);
        assertThat(run.exitCode()).isEqualTo(StreamCellCli.EXIT_FAILURE);
        assertThat(run.err()).contains("already exists");

        String[] forced = Arrays.copyOf(args, args.length + 1);
        forced[args.length] = "--force";
        CliRun again = CliRun.of(forced);
        assertThat(again.exitCode()).as(again.err()).isZero();
        assertThat(out.resolve("keep.txt")).doesNotExist();
        assertThat(ModelDirectory.read(out).config().hiddenSize()).isEqualTo(4);
    }

    @Test
    void badOptionsAreRejected() {
        CliRun run = CliRun.of(
                "train",
                "--input",
                input.toString(),
                "--features",
                "temperature",
                "--targets",
                "temperature",
                "--out",
                temp.resolve("m").toString(),
                "--val",
                "1.5");
        assertThat(run.exitCode()).isEqualTo(StreamCellCli.EXIT_FAILURE);
        assertThat(run.err()).contains("--val must be in (0, 1)");
    }

    @Test
    void redirectedStderrGetsPlainLinesAndReadableOptions() {
        CliRun run = CliRun.of(
                "train",
                "--input",
                input.toString(),
                "--features",
                "temperature",
                "--targets",
                "temperature",
                "--hidden",
                "4",
                "--epochs",
                "2",
                "--out",
                temp.resolve("plain").toString());

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.err())
                .doesNotContain("\r", "TrainingOptions", "[")
                .contains("model: LSTM, hidden size 4, 1 layer, horizon 1")
                .contains("training: up to 2 epochs (patience 5), learning rate 0.002 (cosine)")
                .containsPattern("(?m)^epoch 1/2: train loss [0-9.]+, validation loss [0-9.]+ \\(best so far\\)$")
                .containsPattern("(?m)^epoch 2/2: train loss ");
    }

    @Test
    void seasonalPeriodIsADayOfTheTimestampsUnlessGiven() throws Exception {
        Path out = temp.resolve("daily");
        CliRun run = CliRun.of(
                "train",
                "--input",
                input.toString(),
                "--features",
                "temperature",
                "--targets",
                "temperature",
                "--hidden",
                "4",
                "--epochs",
                "1",
                "--quiet",
                "--out",
                out.toString());

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("seasonal naive (288)");
        ModelProvenance provenance = ModelDirectory.read(out).config().provenance();
        assertThat(provenance.options().season()).isEqualTo(288);
        assertThat(provenance.metrics().season()).isEqualTo(288);
        assertThat(SeasonalPeriod.fromSpacing(3_600_000))
                .isEqualTo(new SeasonalPeriod(24, "a day of 1-hour steps, from the timestamps"));
        assertThat(SeasonalPeriod.fromSpacing(86_400_000).steps()).isEqualTo(7);
    }

    @Test
    void aModelThatLosesToNaiveIsReportedAndRecorded() throws Exception {
        Path out = temp.resolve("weak");
        CliRun run = CliRun.of(
                "train",
                "--input",
                input.toString(),
                "--features",
                "temperature",
                "--targets",
                "temperature",
                "--head-only",
                "--hidden",
                "2",
                "--epochs",
                "1",
                "--lr",
                "0.00001",
                "--quiet",
                "--out",
                out.toString());

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("warning: " + TrainCommand.WORSE_THAN_NAIVE);
        ModelProvenance provenance = ModelDirectory.read(out).config().provenance();
        assertThat(provenance.metrics().model().mse())
                .isGreaterThan(provenance.metrics().naive().mse());
        assertThat(provenance.warnings()).containsExactly(TrainCommand.WORSE_THAN_NAIVE);
        JsonNode written =
                new ObjectMapper().readTree(out.resolve("config.json").toFile());
        assertThat(written.at("/provenance/warnings/0").asText()).isEqualTo(TrainCommand.WORSE_THAN_NAIVE);
    }
}
