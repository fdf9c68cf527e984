package dev.webrepl.engines.jshell;

import java.time.Duration;
import java.util.ArrayDeque;

/**
 * How many warm instances {@code --prewarm auto} keeps: enough for the sessions expected to start
 * while one instance is being built. From the sessions started in the last {@link #WINDOW} (the
 * rate) and the recent time to build an instance (a moving average): twice the expected starts
 * during one build, plus one, between 1 and {@code max}. Twice, because sessions arrive in bursts
 * (a class that logs in at once); at least one, so the next person after a quiet hour still gets a
 * warm instance. The clock is the caller's ({@link System#nanoTime()} in the pool), so tests give times.
 */
final class PoolSizing {
    static final Duration WINDOW = Duration.ofSeconds(60);
    /** Starts remembered at most (a rate above 68 per second counts as 68: the size is at its maximum long before). */
    static final int MAX_STARTS = 4096;
    private static final long FIRST_BUILD_NANOS = Duration.ofSeconds(1).toNanos();
    private static final double WEIGHT = 0.3;

    private final int max;
    private final ArrayDeque<Long> starts = new ArrayDeque<>();
    private double buildNanos = FIRST_BUILD_NANOS;

    PoolSizing(int max) {
        if (max < 1) {
            throw new IllegalArgumentException("max " + max);
        }
        this.max = max;
    }

    int max() {
        return max;
    }

    /** A session took an instance at {@code now}. */
    synchronized void started(long now) {
        if (starts.size() == MAX_STARTS) {
            starts.pollFirst();
        }
        starts.addLast(now);
    }

    /** An instance took {@code nanos} to build. */
    synchronized void built(long nanos) {
        buildNanos = WEIGHT * nanos + (1 - WEIGHT) * buildNanos;
    }

    /** The number of warm instances to keep at {@code now}. */
    synchronized int target(long now) {
        long window = WINDOW.toNanos();
        while (!starts.isEmpty() && now - starts.peekFirst() > window) {
            starts.pollFirst();
        }
        double perNano = (double) starts.size() / window;
        double duringABuild = perNano * buildNanos;
        long target = 1 + (long) Math.ceil(2 * duringABuild);
        return (int) Math.max(1, Math.min(max, target));
    }
}
