package dev.webrepl.core.protocol;

import java.util.Random;

/**
 * Runs a property body for a number of seeded tries (issue #9): each try gets its own
 * {@link Random}, and a failure names the seed that reproduces it. Tries and the first seed come from
 * system properties so a longer run needs no code change:
 * {@code -Dwebrepl.property.tries=5000}, {@code -Dwebrepl.property.seed=<seed from a failure>}.
 */
final class RandomTries {
    static final String TRIES = "webrepl.property.tries";
    static final String SEED = "webrepl.property.seed";

    /** One try of a property, given its randomness. */
    @FunctionalInterface
    interface Body {
        void run(Random random) throws Exception;
    }

    private RandomTries() {
    }

    /** Runs {@code body} {@code defaultTries} times (or {@value #TRIES}), try {@code i} with seed {@code first + i}. */
    static void check(String property, int defaultTries, Body body) {
        int tries = Integer.getInteger(TRIES, defaultTries);
        String fixed = System.getProperty(SEED);
        long first = fixed != null ? Long.parseLong(fixed) : new Random().nextLong();
        for (int i = 0; i < tries; i++) {
            long seed = first + i;
            try {
                body.run(new Random(seed));
            } catch (Throwable t) {
                throw new AssertionError(property + " failed at try " + (i + 1) + " of " + tries + " with seed " + seed
                        + " (rerun: -D" + SEED + "=" + seed + " -D" + TRIES + "=1): " + t.getMessage(), t);
            }
        }
    }
}
