package dev.webrepl.metrics;

/**
 * A quantile of the observations made during one interval, estimated from how much each histogram
 * bucket grew in it, the way Prometheus' {@code histogram_quantile} does: find the bucket holding
 * the rank, then interpolate linearly inside it (from 0 for the first bucket). A rank beyond the
 * last finite bucket answers that bucket's upper bound, since nothing better is known.
 */
final class IntervalQuantile {
    private IntervalQuantile() {
    }

    /**
     * @param q          the quantile, in (0, 1]
     * @param upperBounds the finite bucket upper bounds, ascending
     * @param cumulative observations in the interval at or below each bound (same length)
     * @param total      observations in the interval, those above the last bound included
     * @return the estimate in the bounds' unit, or NaN when the interval had no observation
     */
    static double estimate(double q, double[] upperBounds, double[] cumulative, double total) {
        if (!(q > 0 && q <= 1)) {
            throw new IllegalArgumentException("quantile " + q);
        }
        if (upperBounds.length != cumulative.length) {
            throw new IllegalArgumentException(upperBounds.length + " bounds, " + cumulative.length + " counts");
        }
        if (!(total > 0) || upperBounds.length == 0) {
            return Double.NaN;
        }
        double rank = q * total;
        double below = 0;
        double lower = 0;
        for (int i = 0; i < upperBounds.length; i++) {
            if (cumulative[i] >= rank) {
                double inBucket = cumulative[i] - below;
                return lower + (upperBounds[i] - lower) * (rank - below) / inBucket;
            }
            below = cumulative[i];
            lower = upperBounds[i];
        }
        return upperBounds[upperBounds.length - 1];
    }
}
