package io.streamcell.replay;

import io.streamcell.adapt.Adaptation;
import io.streamcell.core.StepSettings;
import io.streamcell.files.AtomicFiles;
import io.streamcell.io.csv.ForecastCsvWriter;
import io.streamcell.io.csv.ReadingsCsvReader;
import io.streamcell.model.RecurrentModel;
import java.io.IOException;
import java.nio.file.Path;

/**
 * {@code streamcell replay}: a readings CSV through a model into a forecasts CSV, stepped as the
 * configured job steps them ({@link StepSettings}), one output row per stepped input row, in input
 * order. A reading the job would dead-letter as late, or as {@code buffer_full} (event-time ordering
 * only), has no output row; the summary counts it. The output appears only when complete (written to a temporary file, then
 * moved).
 */
public final class Replay {
    private Replay() {}

    /**
     * @param rows readings stepped
     * @param late readings too late to be stepped (no output row)
     * @param bufferFull readings not stepped because their key's waiting readings were at their bound
     *     (no output row)
     */
    public record Summary(long rows, int keys, long late, long bufferFull) {}

    /** @param batchSize 1 for the per-event kernel, more to step up to that many keys at once (BLAS kernel) */
    public static Summary run(RecurrentModel model, Path input, Path output, int batchSize) throws IOException {
        return run(model, input, output, batchSize, null);
    }

    /** As {@link #run(RecurrentModel, Path, Path, int)}, adapting each key online as the job does with {@code adaptation}. */
    public static Summary run(RecurrentModel model, Path input, Path output, int batchSize, Adaptation adaptation)
            throws IOException {
        return run(
                model,
                input,
                output,
                StepSettings.DEFAULTS.withAdaptation(adaptation).withBundles(StepSettings.Kernel.BLAS, batchSize));
    }

    /** Replays {@code input} stepped with {@code settings} (a job's, or the command line's). */
    public static Summary run(RecurrentModel model, Path input, Path output, StepSettings settings) throws IOException {
        try (ReplayEngine engine = new ReplayEngine(model, settings)) {
            AtomicFiles.writeText(output, writer -> {
                try (ReadingsCsvReader reader =
                                ReadingsCsvReader.open(input, model.config().features());
                        ForecastCsvWriter csv = new ForecastCsvWriter(
                                writer, model.config().targets(), model.config().horizon())) {
                    ReplayEngine.OutcomeSink sink = (row, outcome) -> csv.write(
                            row.key(),
                            row.timestampText(),
                            outcome.forecast(),
                            outcome.score() == null ? 0f : outcome.score().anomalyScore());
                    for (ReadingsCsvReader.Row row = reader.next(); row != null; row = reader.next()) {
                        engine.accept(row, sink);
                    }
                    engine.finish(sink);
                }
            });
            return new Summary(engine.steps(), engine.keyCount(), engine.late(), engine.bufferFull());
        }
    }
}
