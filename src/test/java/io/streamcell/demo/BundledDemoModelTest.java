package io.streamcell.demo;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamcell.core.KeyStepper;
import io.streamcell.model.CellType;
import io.streamcell.model.RecurrentModel;
import io.streamcell.model.io.ModelDirectory;
import io.streamcell.state.KeyState;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bundled demo model (src/main/resources/models/demo, made by tools/make_demo_model.py) and the
 * simulator agree: on sensors it never saw in training, its forecasts beat "next = last value".
 */
class BundledDemoModelTest {
    @TempDir
    Path temp;

    @Test
    void isTheSmallLstmThatForecastsTheNextTemperature() throws IOException, URISyntaxException {
        Path directory = modelDirectory();
        RecurrentModel model = ModelDirectory.read(directory);

        assertThat(model.cell()).isEqualTo(CellType.LSTM);
        assertThat(model.numLayers()).isEqualTo(1);
        assertThat(model.hiddenSize()).isEqualTo(32);
        assertThat(model.config().features()).containsExactly("temperature", "humidity");
        assertThat(model.config().targets()).containsExactly("temperature");
        assertThat(model.config().horizon()).isEqualTo(1);
        assertThat(model.version()).isEqualTo("demo-lstm-3");
        // trained by our own trainer (tools/train_bundled_models.sh), which records its validation metrics
        var provenance = model.config().provenance().toJson();
        assertThat(provenance.path("tool").asText()).startsWith("streamcell train");
        assertThat(provenance.at("/metrics/model/mae").asDouble())
                .isPositive()
                .isLessThan(provenance.at("/metrics/naive/mae").asDouble());
        assertThat(Files.size(directory.resolve(ModelDirectory.CONFIG_FILE))
                        + Files.size(directory.resolve(ModelDirectory.WEIGHTS_FILE)))
                .isLessThan(200 * 1024);
    }

    @Test
    void forecastsUnseenSimulatedSensorsBetterThanTheLastValue() throws IOException, URISyntaxException {
        RecurrentModel model = ModelDirectory.read(modelDirectory());
        KeyStepper stepper = new KeyStepper(model, null, null); // as the job steps it
        // seeds 42 and 4242 made the training and validation sensors
        SensorSimulator simulator = SensorSimulator.builder()
                .seed(2024)
                .keyCount(40)
                .shuffleWithinRound(true)
                .build();
        Map<String, KeyState> states = new HashMap<>();
        Map<String, Double> lastTemperature = new HashMap<>();
        Map<String, Float> lastForecast = new HashMap<>();
        float[] features = new float[2];
        double modelError = 0;
        double naiveError = 0;
        long scored = 0;

        for (int i = 0; i < 40 * 2000; i++) {
            SensorReading reading = simulator.next();
            String key = reading.key();
            if (lastForecast.containsKey(key) && !reading.anomaly().isAnomalous()) {
                modelError += Math.abs(lastForecast.get(key) - reading.temperature());
                naiveError += Math.abs(lastTemperature.get(key) - reading.temperature());
                scored++;
            }
            features[0] = (float) reading.temperature();
            features[1] = (float) reading.humidity();
            float forecast = stepper.step(
                            states.computeIfAbsent(key, k -> KeyState.fresh(model)), reading.epochMillis(), features)
                    .forecast()[0];
            lastForecast.put(key, forecast);
            lastTemperature.put(key, reading.temperature());
        }

        double modelMae = modelError / scored;
        double naiveMae = naiveError / scored;
        assertThat(scored).isGreaterThan(70_000);
        assertThat(modelMae).as("model MAE vs naive MAE %s", naiveMae).isLessThan(0.97 * naiveMae);
    }

    @Test
    void loadsFromTheClassPathWhetherADirectoryOrAJar() throws IOException, URISyntaxException {
        RecurrentModel fromDirectory = ModelDirectory.read(modelDirectory());
        Path jar = temp.resolve("demo.jar");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
            for (String file : new String[] {ModelDirectory.CONFIG_FILE, ModelDirectory.WEIGHTS_FILE}) {
                out.putNextEntry(new JarEntry(DemoModel.RESOURCE_DIRECTORY + "/" + file));
                copy(modelDirectory().resolve(file), out);
                out.closeEntry();
            }
        }

        RecurrentModel fromClassPath = DemoModel.load();
        RecurrentModel fromJar;
        try (URLClassLoader loader = new URLClassLoader(new URL[] {jar.toUri().toURL()}, null)) {
            fromJar = DemoModel.load(loader);
        }

        assertThat(fromClassPath.stateDict()).isEqualTo(fromDirectory.stateDict());
        assertThat(fromJar.stateDict()).isEqualTo(fromDirectory.stateDict());
        assertThat(fromJar.config()).isEqualTo(fromDirectory.config());
    }

    static Path modelDirectory() throws URISyntaxException {
        URL resource = BundledDemoModelTest.class.getClassLoader().getResource(DemoModel.RESOURCE_DIRECTORY);
        assertThat(resource)
                .as("class-path resource %s", DemoModel.RESOURCE_DIRECTORY)
                .isNotNull();
        return Path.of(resource.toURI());
    }

    private static void copy(Path file, OutputStream out) throws IOException {
        Files.copy(file, out);
    }
}
