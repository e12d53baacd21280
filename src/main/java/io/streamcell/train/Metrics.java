package io.streamcell.train;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Validation errors of the model and two baselines, in original target units. */
final class Metrics {
    private Metrics() {}

    /**
     * Compares every forecast value made at a validation step t for step t+s+1 (s < horizon, within
     * the key's series) with the actual target. The naive forecast repeats the value at t; the
     * seasonal-naive forecast takes the value one or more whole seasons before t+s+1 (the latest
     * such step at or before t), and is left out where that step precedes the series.
     */
    static TrainingResult.Metrics evaluate(
            List<KeySeries> series, List<TrainingResult.KeyForecasts> forecasts, int horizon, int season) {
        Acc model = new Acc();
        Acc naive = new Acc();
        Acc seasonal = new Acc();
        Map<String, KeySeries> byKey = new HashMap<>();
        series.forEach(s -> byKey.put(s.key(), s));
        for (TrainingResult.KeyForecasts f : forecasts) {
            KeySeries s = byKey.get(f.key());
            double[][] actual = s.targets();
            int targets = actual[0].length;
            int n = s.length();
            for (int r = 0; r < f.forecasts().length; r++) {
                int t = f.firstStep() + r;
                for (int step = 0; step < horizon; step++) {
                    int at = t + step + 1;
                    if (at >= n) {
                        break;
                    }
                    int back = season * ((step + 1 + season - 1) / season);
                    int source = at - back;
                    for (int j = 0; j < targets; j++) {
                        double truth = actual[at][j];
                        model.add(f.forecasts()[r][step * targets + j] - truth);
                        naive.add(actual[t][j] - truth);
                        if (source >= 0) {
                            seasonal.add(actual[source][j] - truth);
                        }
                    }
                }
            }
        }
        return new TrainingResult.Metrics(
                model.score("model"), naive.score("naive last value"), seasonal.score("seasonal naive"), season);
    }

    private static final class Acc {
        double squares;
        double absolutes;
        long count;

        void add(double error) {
            squares += error * error;
            absolutes += Math.abs(error);
            count++;
        }

        TrainingResult.Score score(String name) {
            return new TrainingResult.Score(
                    name,
                    count,
                    count == 0 ? Double.NaN : squares / count,
                    count == 0 ? Double.NaN : absolutes / count);
        }
    }
}
