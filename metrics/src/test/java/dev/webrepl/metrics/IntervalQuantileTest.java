package dev.webrepl.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class IntervalQuantileTest {
    private static final double[] BOUNDS = {1, 2, 4, 8};

    @Test
    void interpolatesInsideTheBucketHoldingTheRank() {
        // 10 observations: 2 at or below 1, 8 more in (1, 2]. The median's rank 5 is the 3rd of the 8.
        assertEquals(1 + (2 - 1) * 3.0 / 8, IntervalQuantile.estimate(0.5, BOUNDS, new double[] {2, 10, 10, 10}, 10));
    }

    @Test
    void theFirstBucketStartsAtZero() {
        assertEquals(0.5, IntervalQuantile.estimate(0.5, BOUNDS, new double[] {4, 4, 4, 4}, 4));
    }

    @Test
    void aRankAboveTheLastBoundAnswersThatBound() {
        // 1 of 100 is above 8: p99's rank 99 is still inside (4, 8], p100 is above it.
        double[] cumulative = {0, 0, 0, 99};
        assertEquals(8.0, IntervalQuantile.estimate(0.99, BOUNDS, cumulative, 100));
        assertEquals(8.0, IntervalQuantile.estimate(1.0, BOUNDS, cumulative, 100));
    }

    @Test
    void anIntervalWithoutObservationsHasNoQuantile() {
        assertTrue(Double.isNaN(IntervalQuantile.estimate(0.5, BOUNDS, new double[] {0, 0, 0, 0}, 0)));
    }

    @Test
    void rejectsAQuantileOutsideZeroToOne() {
        assertThrows(IllegalArgumentException.class, () -> IntervalQuantile.estimate(0, BOUNDS, new double[4], 1));
        assertThrows(IllegalArgumentException.class, () -> IntervalQuantile.estimate(1.5, BOUNDS, new double[4], 1));
    }
}
