package io.streamcell.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamcell.model.CellType;
import io.streamcell.model.GoldenFixtures;
import io.streamcell.model.ModelVariants;
import io.streamcell.model.RecurrentModel;
import io.streamcell.model.kernel.BundleStepKernel;
import io.streamcell.model.kernel.KeyBatchKernel;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The stepping core's own resources across model switches. */
class KeyedSteppingTest {
    private final RecurrentModel modelA =
            GoldenFixtures.load("lstm_1layer_in8_h16").model();

    KeyedSteppingTest() throws Exception {}

    /** A real bundle kernel that remembers whether it was closed. */
    private static final class WatchedKernel implements KeyBatchKernel {
        final BundleStepKernel kernel;
        boolean closed;

        WatchedKernel(RecurrentModel model) {
            kernel = new BundleStepKernel(model);
        }

        @Override
        public void step(float[][] states, float[][] features, float[][] forecasts, int count) {
            kernel.step(states, features, forecasts, count);
        }

        @Override
        public int capacity() {
            return kernel.capacity();
        }

        @Override
        public void close() {
            closed = true;
            kernel.close();
        }
    }

    @Test
    void aModelSwitchClosesThePreviousBundleKernelAndCloseTheLast() {
        List<WatchedKernel> made = new ArrayList<>();
        StepSettings bundled = StepSettings.DEFAULTS.withBundles(StepSettings.Kernel.BLAS, 64);
        KeyedStepping<String, Object> stepping = new KeyedStepping<>(modelA, bundled, model -> {
            WatchedKernel kernel = new WatchedKernel(model);
            made.add(kernel);
            return kernel;
        });

        stepping.install(ModelVariants.retrained(modelA, "B"));
        stepping.install(ModelVariants.rearchitected(modelA, CellType.GRU, 12, 2, "C"));

        assertThat(made).hasSize(3);
        assertThat(made.subList(0, 2))
                .as("kernels of the models switched away from")
                .allMatch(k -> k.closed);
        assertThat(made.get(2).closed).as("the serving model's kernel").isFalse();
        stepping.close();
        assertThat(made.get(2).closed).isTrue();
    }

    @Test
    void perEventSteppingMakesNoKernel() {
        List<KeyBatchKernel> made = new ArrayList<>();
        KeyedStepping<String, Object> stepping = new KeyedStepping<>(modelA, StepSettings.DEFAULTS, model -> {
            KeyBatchKernel kernel = new BundleStepKernel(model);
            made.add(kernel);
            return kernel;
        });
        stepping.install(ModelVariants.retrained(modelA, "B"));
        stepping.close();

        assertThat(made).isEmpty();
    }
}
