package dev.webrepl.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.CountAtBucket;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Turns the registry's meters into a bounded history of {@link DashboardPoint}s, so a dashboard
 * opened now still shows the last minutes. Each {@link #sample()} reads the meters by name (those
 * created on first use, like transfers, may appear later) and keeps the totals it needs to turn
 * counters and histogram buckets into per-interval values. Called from one thread at a time (the
 * admin server's sampler); {@link #points()} may be called from any thread.
 */
final class DashboardSampler {
    private static final String SESSIONS = "webrepl.sessions.active";
    private static final String TERMINALS = "webrepl.terminals.attached";
    private static final String RECEIVED = "webrepl.data.received";
    private static final String SENT = "webrepl.data.sent";
    private static final String ECHO = "webrepl.keystroke.echo";
    private static final String TRANSFERS = "webrepl.transfers";
    private static final String DEACTIVATED = "webrepl.terminals.deactivated";
    /** The cause of a terminal whose client went away: a normal disconnect, not a deactivation. */
    private static final String PEER_GONE = "peer-gone";

    private final MeterRegistry registry;
    private final Clock clock;
    private final int capacity;
    private final Deque<DashboardPoint> points;

    /** Totals at the previous sample; the first sample's interval starts when the sampler is made. */
    private long lastMillis;
    private double lastReceived;
    private double lastSent;
    private double lastTransfers;
    private double lastFailedTransfers;
    private double lastDisconnects;
    private double lastDeactivations;
    private double lastEchoCount;
    private double[] lastEchoBuckets = new double[0];

    DashboardSampler(MeterRegistry registry, Clock clock, int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity " + capacity);
        }
        this.registry = registry;
        this.clock = clock;
        this.capacity = capacity;
        this.points = new ArrayDeque<>(capacity);
        this.lastMillis = clock.millis();
        this.lastReceived = counterSum(RECEIVED);
        this.lastSent = counterSum(SENT);
        this.lastTransfers = transfers(false);
        this.lastFailedTransfers = transfers(true);
        this.lastDisconnects = deactivated(true);
        this.lastDeactivations = deactivated(false);
        Timer echo = registry.find(ECHO).timer();
        if (echo != null) {
            this.lastEchoCount = echo.count();
            this.lastEchoBuckets = cumulativeCounts(echo.takeSnapshot().histogramCounts());
        }
    }

    int capacity() {
        return capacity;
    }

    /** Takes one sample now and keeps it, dropping the oldest beyond the capacity. */
    DashboardPoint sample() {
        long now = clock.millis();
        // A clock that stood still (or a sample right after the last) still gives finite rates.
        double seconds = Math.max(now - lastMillis, 1) / 1000.0;
        double received = counterSum(RECEIVED);
        double sent = counterSum(SENT);
        double transfers = transfers(false);
        double failed = transfers(true);
        double disconnects = deactivated(true);
        double deactivations = deactivated(false);

        double p50 = Double.NaN;
        double p99 = Double.NaN;
        Timer echo = registry.find(ECHO).timer();
        if (echo != null) {
            CountAtBucket[] buckets = echo.takeSnapshot().histogramCounts();
            double[] cumulative = cumulativeCounts(buckets);
            double count = echo.count();
            if (cumulative.length == lastEchoBuckets.length) {
                double[] bounds = new double[buckets.length];
                double[] delta = new double[buckets.length];
                for (int i = 0; i < buckets.length; i++) {
                    bounds[i] = buckets[i].bucket(TimeUnit.MILLISECONDS);
                    delta[i] = cumulative[i] - lastEchoBuckets[i];
                }
                p50 = IntervalQuantile.estimate(0.5, bounds, delta, count - lastEchoCount);
                p99 = IntervalQuantile.estimate(0.99, bounds, delta, count - lastEchoCount);
            }
            lastEchoCount = count;
            lastEchoBuckets = cumulative;
        }

        DashboardPoint point = new DashboardPoint(now, gaugeSum(SESSIONS, null), gaugeSum(TERMINALS, "read-write"),
                gaugeSum(TERMINALS, "view"), (received - lastReceived) / seconds, (sent - lastSent) / seconds,
                p50, p99, transfers - lastTransfers, failed - lastFailedTransfers, disconnects - lastDisconnects,
                deactivations - lastDeactivations);
        lastMillis = now;
        lastReceived = received;
        lastSent = sent;
        lastTransfers = transfers;
        lastFailedTransfers = failed;
        lastDisconnects = disconnects;
        lastDeactivations = deactivations;
        synchronized (points) {
            if (points.size() == capacity) {
                points.removeFirst();
            }
            points.addLast(point);
        }
        return point;
    }

    /** The kept samples, oldest first. */
    List<DashboardPoint> points() {
        synchronized (points) {
            return List.copyOf(points);
        }
    }

    private double gaugeSum(String name, String mode) {
        double sum = 0;
        for (Gauge g : mode == null ? registry.find(name).gauges() : registry.find(name).tag("mode", mode).gauges()) {
            double v = g.value();
            // A gauge whose object was collected reads NaN: it counts as nothing.
            if (!Double.isNaN(v)) {
                sum += v;
            }
        }
        return sum;
    }

    private double counterSum(String name) {
        double sum = 0;
        for (Counter c : registry.find(name).counters()) {
            sum += c.count();
        }
        return sum;
    }

    /** Terminals deactivated: those whose client went away ({@code disconnects}), or all the others. */
    private double deactivated(boolean disconnects) {
        double sum = 0;
        for (Counter c : registry.find(DEACTIVATED).counters()) {
            if (PEER_GONE.equals(c.getId().getTag("cause")) == disconnects) {
                sum += c.count();
            }
        }
        return sum;
    }

    /** Ended transfers, all of them or only those whose status is not ok. */
    private double transfers(boolean failedOnly) {
        double sum = 0;
        for (Timer t : registry.find(TRANSFERS).timers()) {
            if (!failedOnly || !"ok".equals(t.getId().getTag("status"))) {
                sum += t.count();
            }
        }
        return sum;
    }

    private static double[] cumulativeCounts(CountAtBucket[] buckets) {
        // Micrometer's Prometheus histograms count cumulatively (observations at or below each bound).
        return Arrays.stream(buckets).mapToDouble(CountAtBucket::count).toArray();
    }
}
