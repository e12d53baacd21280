package io.streamcell.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamcell.model.CellType;
import io.streamcell.model.GruReset;
import io.streamcell.model.ModelConfig;
import io.streamcell.model.RecurrentModel;
import io.streamcell.model.io.ModelDirectory;
import io.streamcell.replay.Replay;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainerTest {
    static final List<String> FEATURES = List.of("value");
    static final List<String> TARGETS = List.of("value");

    @TempDir
    Path temp;

    /** Keys of a sine with period 24 steps, a phase and level per key, and a little seeded noise. */
    static Path writeSineCsv(Path file, int keys, int steps, double noise, long seed) throws IOException {
        Random random = new Random(seed);
        StringBuilder csv = new StringBuilder("key,timestamp,value\n");
        Instant start = Instant.parse("2024-01-01T00:00:00Z");
        for (int t = 0; t < steps; t++) {
            for (int k = 0; k < keys; k++) {
                double value = 10 + k + 3 * Math.sin(2 * Math.PI * t / 24.0 + k) + noise * random.nextGaussian();
                csv.append("k")
                        .append(k)
                        .append(',')
                        .append(start.plusSeconds(300L * t))
                        .append(',')
                        .append((float) value)
                        .append('\n');
            }
        }
        Files.writeString(file, csv, StandardCharsets.UTF_8);
        return file;
    }

    static TrainingOptions small() {
        return TrainingOptions.defaults()
                .hidden(8)
                .epochs(12)
                .learningRate(0.02)
                .window(24)
                .batch(8)
                .validationFraction(0.2)
                .seed(7)
                .season(24)
                .version("test-model");
    }

    @Test
    void smallLstmBeatsTheNaiveForecastAndReplayReproducesItsValidationForecasts() throws IOException {
        Path csv = writeSineCsv(temp.resolve("sine.csv"), 4, 480, 0.02, 1);
        List<KeySeries> series = KeySeries.readCsv(csv, FEATURES, TARGETS);
        List<int[]> epochs = new ArrayList<>();
        TrainingResult result = Trainer.train(series, FEATURES, TARGETS, small(), new TrainingListener() {
            @Override
            public void onBatch(int epoch, int total, int batch, int batches, double loss, double eta) {
                assertThat(batch).isBetween(1, batches);
            }

            @Override
            public void onEpoch(int epoch, int total, double trainLoss, double validationLoss, boolean best) {
                epochs.add(new int[] {epoch});
            }
        });

        TrainingResult.Metrics m = result.metrics();
        System.out.printf(
                "lstm sine: model mse %.5f mae %.4f, naive mse %.5f, seasonal mse %.5f, epochs %d best %d%n",
                m.model().mse(),
                m.model().mae(),
                m.naive().mse(),
                m.seasonalNaive().mse(),
                result.epochsRun(),
                result.bestEpoch());
        assertThat(epochs).hasSize(result.epochsRun());
        assertThat(m.model().count()).isEqualTo(m.naive().count()).isEqualTo(4 * (96 - 1));
        assertThat(m.model().mse()).isLessThan(m.naive().mse() / 2);
        assertThat(m.seasonalNaive().count()).isPositive();
        assertThat(result.validationLosses().get(result.bestEpoch() - 1))
                .isLessThan(result.validationLosses().get(0) * 2);

        Path modelDir = temp.resolve("model");
        ModelDirectory.write(result.model(null), modelDir);
        RecurrentModel loaded = ModelDirectory.read(modelDir);
        assertThat(loaded.config().version()).isEqualTo("test-model");
        Path out = temp.resolve("forecasts.csv");
        Replay.run(loaded, csv, out, 1);
        Map<String, List<Double>> replayed = new HashMap<>();
        List<String> lines = Files.readAllLines(out);
        for (String line : lines.subList(1, lines.size())) {
            String[] cells = line.split(",");
            replayed.computeIfAbsent(cells[0], k -> new ArrayList<>()).add(Double.parseDouble(cells[2]));
        }
        assertThat(result.validation()).hasSize(4);
        for (TrainingResult.KeyForecasts f : result.validation()) {
            assertThat(f.firstStep()).isEqualTo(384);
            for (int r = 0; r < f.forecasts().length; r++) {
                assertThat(replayed.get(f.key()).get(f.firstStep() + r))
                        .as("key %s step %d", f.key(), f.firstStep() + r)
                        .isCloseTo(f.forecasts()[r][0], Offset.offset(1e-4));
            }
        }
    }

    @Test
    void sameSeedGivesIdenticalWeightsAndAnotherSeedDoesNot() throws IOException {
        Path csv = writeSineCsv(temp.resolve("sine.csv"), 3, 200, 0.05, 2);
        List<KeySeries> series = KeySeries.readCsv(csv, FEATURES, TARGETS);
        TrainingOptions options = small().epochs(3);
        byte[] first = weights(Trainer.train(series, FEATURES, TARGETS, options, TrainingListener.NONE), "a");
        byte[] second = weights(Trainer.train(series, FEATURES, TARGETS, options, TrainingListener.NONE), "b");
        byte[] other =
                weights(Trainer.train(series, FEATURES, TARGETS, options.copy().seed(8), TrainingListener.NONE), "c");
        assertThat(second).isEqualTo(first);
        assertThat(other).isNotEqualTo(first);
    }

    private byte[] weights(TrainingResult result, String name) throws IOException {
        Path dir = temp.resolve(name);
        ModelDirectory.write(result.model(null), dir);
        return Files.readAllBytes(dir.resolve(ModelDirectory.WEIGHTS_FILE));
    }

    @Test
    void gruBothResetsAndLongerHorizonTrain() throws IOException {
        Path csv = writeSineCsv(temp.resolve("sine.csv"), 3, 240, 0.02, 3);
        List<KeySeries> series = KeySeries.readCsv(csv, FEATURES, TARGETS);
        for (GruReset reset : GruReset.values()) {
            TrainingResult result = Trainer.train(
                    series,
                    FEATURES,
                    TARGETS,
                    small().cell(CellType.GRU).gruReset(reset).horizon(3).epochs(20),
                    TrainingListener.NONE);
            TrainingResult.Metrics m = result.metrics();
            System.out.printf(
                    "gru %s horizon 3: model mse %.5f, naive mse %.5f%n",
                    reset, m.model().mse(), m.naive().mse());
            assertThat(result.config().outputSize()).isEqualTo(3);
            assertThat(result.validation().get(0).forecasts()[0]).hasSize(3);
            // 48 validation steps per key; forecasts for t+1..t+3 inside the series
            assertThat(m.model().count()).isEqualTo(3L * (47 + 46 + 45));
            assertThat(m.model().mse()).isFinite().isLessThan(m.naive().mse());
        }
    }

    @Test
    void earlyStoppingStopsAndKeepsTheBestEpoch() throws IOException {
        // pure noise: nothing to learn, so the validation loss soon stops improving
        Random random = new Random(5);
        List<KeySeries> series = new ArrayList<>();
        for (int k = 0; k < 2; k++) {
            double[][] x = new double[200][1];
            for (double[] row : x) {
                row[0] = random.nextGaussian();
            }
            series.add(new KeySeries("k" + k, x, x));
        }
        TrainingResult result = Trainer.train(
                series,
                FEATURES,
                TARGETS,
                small().epochs(60).patience(2).learningRate(0.05).schedule(TrainingOptions.Schedule.CONSTANT),
                TrainingListener.NONE);
        assertThat(result.stoppedEarly()).isTrue();
        assertThat(result.epochsRun()).isLessThan(60).isEqualTo(result.bestEpoch() + 2);
        double best = result.validationLosses().stream()
                .mapToDouble(Double::doubleValue)
                .min()
                .orElseThrow();
        assertThat(result.validationLosses().get(result.bestEpoch() - 1)).isEqualTo(best);
    }

    @Test
    void scalersAreFittedOnTheTrainingSplitOnly() {
        double[][] x = new double[10][1];
        for (int t = 0; t < 10; t++) {
            x[t][0] = t < 8 ? (t % 2 == 0 ? 1 : 3) : 1000;
        }
        TrainingResult result = Trainer.train(
                List.of(new KeySeries("a", x, x)), FEATURES, TARGETS, small().epochs(1), TrainingListener.NONE);
        assertThat(result.config().inputScaler().mean()).containsExactly(2f);
        assertThat(result.config().inputScaler().std()).containsExactly(1f);
        assertThat(result.config().targetScaler().mean()).containsExactly(2f);
    }

    @Test
    void invalidOptionsAndShortDataAreRejected() {
        double[][] x = {{1}, {2}};
        List<KeySeries> tooShort = List.of(new KeySeries("a", x, x));
        assertThatThrownBy(() -> Trainer.train(
                        tooShort, FEATURES, TARGETS, small().validationFraction(0.2), TrainingListener.NONE))
                .hasMessageContaining("no validation targets");
        assertThatThrownBy(() -> small().window(0).validate()).hasMessageContaining("--window");
        assertThatThrownBy(() -> small().validationFraction(1).validate()).hasMessageContaining("--val");
    }

    @Test
    void cosineScheduleDecaysFromTheRateToItsFloor() {
        TrainingOptions options = TrainingOptions.defaults().learningRate(0.01).epochs(10);
        assertThat(options.learningRateAt(0)).isEqualTo(0.01);
        assertThat(options.learningRateAt(5)).isCloseTo(0.01 * (0.05 + 0.95 * 0.5), Offset.offset(1e-12));
        assertThat(options.learningRateAt(9)).isGreaterThan(0.0005).isLessThan(options.learningRateAt(8));
        assertThat(options.schedule(TrainingOptions.Schedule.CONSTANT).learningRateAt(9))
                .isEqualTo(0.01);
    }

    @Test
    void clippingBoundsTheGradientNorm() {
        ModelConfig config = ModelConfig.builder()
                .cell(CellType.LSTM)
                .hiddenSize(2)
                .features(FEATURES)
                .targets(TARGETS)
                .version("v")
                .build();
        Parameters g = Parameters.zeros(config);
        g.get("head.bias")[0] = 3;
        g.get("head.weight")[0] = 4;
        assertThat(Trainer.clip(g, 1.0)).isEqualTo(5.0);
        assertThat(Math.hypot(g.get("head.bias")[0], g.get("head.weight")[0])).isCloseTo(1.0, Offset.offset(1e-6));
        assertThat(Trainer.clip(g, 0)).isCloseTo(1.0, Offset.offset(1e-6));
    }

    @Test
    void adamFirstStepMovesEachParameterByTheLearningRateAndDecaysWeights() {
        ModelConfig config = ModelConfig.builder()
                .cell(CellType.GRU)
                .gruReset(GruReset.AFTER)
                .hiddenSize(1)
                .features(FEATURES)
                .targets(TARGETS)
                .version("v")
                .build();
        Parameters p = Parameters.zeros(config);
        p.get("head.bias")[0] = 2.0;
        p.get("head.weight")[0] = 1.0;
        Parameters g = p.zerosLike();
        g.get("head.bias")[0] = -0.3;
        g.get("head.weight")[0] = 5.0;
        Trainer.Adam adam = new Trainer.Adam(p);
        adam.step(p, g, 0.1, 0.5);
        // bias-corrected first step: m̂ / √v̂ = g / |g|; decoupled decay first: θ (1 - 0.1 · 0.5)
        assertThat(p.get("head.bias")[0]).isCloseTo(2.0 * 0.95 + 0.1, Offset.offset(1e-7));
        assertThat(p.get("head.weight")[0]).isCloseTo(0.95 - 0.1, Offset.offset(1e-7));
        assertThat(p.get("rnn.weight_ih_l0")).containsOnly(0.0);
    }
}
