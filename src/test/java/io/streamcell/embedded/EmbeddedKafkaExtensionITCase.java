package io.streamcell.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import io.streamcell.testing.EmbeddedKafkaExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Events;

/**
 * {@link EmbeddedKafkaExtension}'s lifecycle, on sample test classes run through the JUnit engine: the
 * broker each registration gives, and that it is stopped and its log directory deleted afterwards also
 * when a test or the class's set-up fails. (In this package for {@link EmbeddedKafka#logDir()}.)
 */
class EmbeddedKafkaExtensionITCase {
    /** The configuration parameter that lets the samples run: set only by {@link #run}. */
    private static final String SAMPLES = "streamcell.embedded-kafka-extension-samples";

    /** What the samples saw while they ran. */
    private static final List<Seen> seen = new ArrayList<>();

    private record Seen(EmbeddedKafka broker, Path logDir, Set<String> topics) {}

    @Test
    void aStaticRegistrationServesTheClassWithOneBrokerAndStopsItAfterAFailedTest() {
        run(PerClass.class)
                .assertStatistics(tests -> tests.started(2).succeeded(1).failed(1));

        assertThat(seen).hasSize(2);
        assertThat(seen.get(1).broker()).isSameAs(seen.get(0).broker());
        assertThat(seen.get(0).topics()).contains("declared");
        assertStopped(seen.get(0));
    }

    @Test
    void aStaticRegistrationStopsTheBrokerWhenTheClassSetUpFails() {
        run(FailingSetUp.class).assertStatistics(tests -> tests.started(0));

        assertThat(seen).hasSize(1);
        assertStopped(seen.get(0));
    }

    @Test
    void anInstanceRegistrationGivesEachTestAFreshBroker() {
        run(PerTest.class)
                .assertStatistics(tests -> tests.started(2).succeeded(1).failed(1));

        assertThat(seen).hasSize(2);
        assertThat(seen.get(1).broker()).isNotSameAs(seen.get(0).broker());
        assertThat(seen.get(1).logDir()).isNotEqualTo(seen.get(0).logDir());
        seen.forEach(EmbeddedKafkaExtensionITCase::assertStopped);
    }

    @Test
    void aBrokerStartedByTheTestIsStoppedAfterIt() {
        run(StartedByTest.class).assertStatistics(tests -> tests.started(1).failed(1));

        assertThat(seen).hasSize(1);
        assertStopped(seen.get(0));
    }

    private static Events run(Class<?> sample) {
        seen.clear();
        return EngineTestKit.engine("junit-jupiter")
                .configurationParameter(SAMPLES, "true")
                .selectors(selectClass(sample))
                .execute()
                .testEvents();
    }

    private static void assertStopped(Seen sample) {
        assertThat(sample.broker().isRunning()).as("broker stopped").isFalse();
        assertThat(Files.exists(sample.logDir()))
                .as("log dir %s deleted", sample.logDir())
                .isFalse();
    }

    /** Records what a sample's broker looks like from inside a test. */
    private static void record(EmbeddedKafkaExtension kafka) throws Exception {
        EmbeddedKafka broker = kafka.broker();
        try (Admin admin = kafka.admin()) {
            seen.add(
                    new Seen(broker, broker.logDir(), admin.listTopics().names().get()));
        }
    }

    /** Lets a sample run only from {@link #run}, never when the build's own discovery finds it. */
    static final class OnlyFromTheKit implements ExecutionCondition {
        @Override
        public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
            return context.getConfigurationParameter(SAMPLES).isPresent()
                    ? ConditionEvaluationResult.enabled("run by EmbeddedKafkaExtensionITCase")
                    : ConditionEvaluationResult.disabled("a sample for EmbeddedKafkaExtensionITCase");
        }
    }

    @ExtendWith(OnlyFromTheKit.class)
    static class PerClass {
        @RegisterExtension
        static final EmbeddedKafkaExtension kafka =
                EmbeddedKafkaExtension.builder().topic("declared", 2).build();

        @Test
        void passes() throws Exception {
            record(kafka);
        }

        @Test
        void fails() throws Exception {
            record(kafka);
            throw new AssertionError("a failing test");
        }
    }

    @ExtendWith(OnlyFromTheKit.class)
    static class FailingSetUp {
        @RegisterExtension
        static final EmbeddedKafkaExtension kafka =
                EmbeddedKafkaExtension.builder().build();

        @BeforeAll
        static void setUp() throws Exception {
            record(kafka);
            throw new IllegalStateException("a failing set-up");
        }

        @Test
        void neverRuns() {}
    }

    @ExtendWith(OnlyFromTheKit.class)
    static class PerTest {
        @RegisterExtension
        final EmbeddedKafkaExtension kafka = EmbeddedKafkaExtension.builder().build();

        @Test
        void passes() throws Exception {
            record(kafka);
        }

        @Test
        void fails() throws Exception {
            record(kafka);
            throw new AssertionError("a failing test");
        }
    }

    @ExtendWith(OnlyFromTheKit.class)
    static class StartedByTest {
        @RegisterExtension
        final EmbeddedKafkaExtension kafka =
                EmbeddedKafkaExtension.builder().startedByTest().build();

        @Test
        void startsItself() throws Exception {
            assertThatThrownBy(kafka::broker).hasMessageContaining("call start() first");
            kafka.start();
            record(kafka);
            throw new AssertionError("a failing test");
        }
    }
}
