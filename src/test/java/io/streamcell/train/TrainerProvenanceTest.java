package io.streamcell.train;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamcell.model.CellType;
import io.streamcell.model.ModelProvenance;
import io.streamcell.model.io.ModelDirectory;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A model trained through the {@link Trainer} API carries its provenance. */
class TrainerProvenanceTest {
    private static final List<String> FEATURES = TrainerTest.FEATURES;
    private static final List<String> TARGETS = TrainerTest.TARGETS;

    @TempDir
    Path temp;

    @Test
    void shouldRecordTheDataOptionsSeedMetricsAndVersions() throws IOException {
        List<KeySeries> series = KeySeries.readCsv(
                TrainerTest.writeSineCsv(temp.resolve("sine.csv"), 2, 240, 0.02, 1), FEATURES, TARGETS);
        TrainingOptions options = TrainerTest.small().epochs(2).seed(11);

        TrainingResult result = Trainer.train(series, FEATURES, TARGETS, options, TrainingListener.NONE);

        ModelProvenance p = result.provenance();
        assertThat(p.tool()).isEqualTo(Trainer.class.getName());
        assertThat(p.input().file()).isNull();
        assertThat(p.input().seriesSha256()).isEqualTo(KeySeries.sha256(series, FEATURES, TARGETS));
        assertThat(p.input().rows()).isEqualTo(480);
        assertThat(p.input().keys()).isEqualTo(2);
        assertThat(p.options().cell()).isEqualTo(CellType.LSTM);
        assertThat(p.options().hidden()).isEqualTo(8);
        assertThat(p.options().epochs()).isEqualTo(2);
        assertThat(p.options().learningRate()).isEqualTo(0.02);
        assertThat(p.options().schedule()).isEqualTo("cosine");
        assertThat(p.options().validationFraction()).isEqualTo(0.2);
        assertThat(p.options().features()).isEqualTo(FEATURES);
        assertThat(p.seed()).isEqualTo(11);
        assertThat(p.training().epochsRun()).isEqualTo(result.epochsRun());
        assertThat(p.training().bestEpoch()).isEqualTo(result.bestEpoch());
        assertThat(p.training().validationLoss()).isEqualTo(result.validationLosses());
        assertThat(p.metrics().split()).isEqualTo("validation, original units");
        assertThat(p.metrics().model().mse()).isEqualTo(result.metrics().model().mse());
        assertThat(p.metrics().naive().mae()).isEqualTo(result.metrics().naive().mae());
        assertThat(p.metrics().seasonalNaive().count())
                .isEqualTo(result.metrics().seasonalNaive().count());
        assertThat(p.versions().java()).isEqualTo(System.getProperty("java.version"));
        assertThat(p.versions().streamcell()).isNotBlank();
        assertThat(p.created()).isNotNull();
        assertThat(result.model().config().provenance()).isEqualTo(p);
    }

    @Test
    void shouldWriteTheProvenanceIntoTheModelDirectoryAndReadItBack() throws IOException {
        List<KeySeries> series = KeySeries.readCsv(
                TrainerTest.writeSineCsv(temp.resolve("sine.csv"), 2, 240, 0.02, 1), FEATURES, TARGETS);
        TrainingResult result =
                Trainer.train(series, FEATURES, TARGETS, TrainerTest.small().epochs(1), TrainingListener.NONE);
        Path directory = temp.resolve("model");

        ModelDirectory.write(result.model(), directory);

        assertThat(ModelDirectory.read(directory).config().provenance()).isEqualTo(result.provenance());
    }

    @Test
    void shouldHashTheSeriesAsDocumented() throws Exception {
        KeySeries a = new KeySeries("k-é", new double[][] {{1.5}, {2.5}}, new double[][] {{-0.0}, {3.0}});
        KeySeries b = new KeySeries("k2", new double[][] {{4.0}}, new double[][] {{5.0}});

        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            writeNames(out, FEATURES);
            writeNames(out, TARGETS);
            out.writeInt(2);
            writeName(out, "k-é");
            out.writeInt(2);
            out.writeDouble(1.5);
            out.writeDouble(-0.0);
            out.writeDouble(2.5);
            out.writeDouble(3.0);
            writeName(out, "k2");
            out.writeInt(1);
            out.writeDouble(4.0);
            out.writeDouble(5.0);
        }

        assertThat(KeySeries.sha256(List.of(a, b), FEATURES, TARGETS)).isEqualTo(sha256(bytes.toByteArray()));
        assertThat(KeySeries.sha256(List.of(b, a), FEATURES, TARGETS))
                .isNotEqualTo(KeySeries.sha256(List.of(a, b), FEATURES, TARGETS));
        assertThat(KeySeries.sha256(List.of(a, b), List.of("other"), TARGETS))
                .isNotEqualTo(KeySeries.sha256(List.of(a, b), FEATURES, TARGETS));
    }

    @Test
    void shouldHashSeriesLongerThanTheDigestBuffer() {
        double[][] values = new double[20_000][1];
        for (int t = 0; t < values.length; t++) {
            values[t][0] = t;
        }
        KeySeries series = new KeySeries("k", values, values);
        double[][] changed = values.clone();
        changed[19_999] = new double[] {-1};

        assertThat(KeySeries.sha256(List.of(series), FEATURES, TARGETS))
                .isNotEqualTo(KeySeries.sha256(List.of(new KeySeries("k", changed, values)), FEATURES, TARGETS));
    }

    private static void writeNames(DataOutputStream out, List<String> names) throws IOException {
        out.writeInt(names.size());
        for (String name : names) {
            writeName(out, name);
        }
    }

    private static void writeName(DataOutputStream out, String name) throws IOException {
        byte[] utf8 = name.getBytes(StandardCharsets.UTF_8);
        out.writeInt(utf8.length);
        out.write(utf8);
    }

    private static String sha256(byte[] bytes) throws NoSuchAlgorithmException {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }
}
