package dev.webrepl.engines.jshell;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** {@code --prewarm auto}'s size from given times: the arithmetic of {@link PoolSizing}, exactly. */
class PoolSizingTest {
    private static final long SECOND = 1_000_000_000L;

    @Test
    void withNoSessionStartedItKeepsOne() {
        assertEquals(1, new PoolSizing(8).target(0));
    }

    @Test
    void twiceTheStartsExpectedDuringOneBuildPlusOne() {
        PoolSizing sizing = new PoolSizing(8);
        for (int i = 0; i < 30; i++) {
            sizing.started(i * SECOND); // 30 starts in the last minute: one every 2 s
        }
        // The first build time is taken as 1 s: 0.5 starts expected during a build, twice that is 1, plus one.
        assertEquals(2, sizing.target(30 * SECOND));

        sizing.built(11 * SECOND); // average 0.3 * 11 + 0.7 * 1 = 4 s: 2 starts per build, 4, plus one
        assertEquals(5, sizing.target(30 * SECOND));
    }

    @Test
    void aBurstIsCappedAtTheMaximumAndForgottenAfterTheWindow() {
        PoolSizing sizing = new PoolSizing(8);
        for (int i = 0; i < 200; i++) {
            sizing.started(10 * SECOND);
        }
        assertEquals(8, sizing.target(10 * SECOND));
        assertEquals(8, sizing.target(70 * SECOND)); // exactly 60 s later: still in the window
        assertEquals(1, sizing.target(70 * SECOND + 1));
    }

    @Test
    void itRemembersABoundedNumberOfStarts() {
        PoolSizing sizing = new PoolSizing(1000);
        for (int i = 0; i < PoolSizing.MAX_STARTS + 500; i++) {
            sizing.started(0);
        }
        // 4096 starts per minute at 1 s per build: 68.27 expected, 2 * that rounded up is 137, plus one.
        assertEquals(138, sizing.target(0));
    }
}
