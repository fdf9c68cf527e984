package dev.webrepl.loadtest.generator;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;
import org.HdrHistogram.Histogram;

/**
 * What a load run saw: session counts, requests and answers per scenario, bytes, errors by kind, and
 * latencies in an HdrHistogram. Thread-safe for the recording calls (event loops and the run's
 * scheduler); {@link #tick()} and {@link #finish()} run on one thread, the run's scheduler, and take
 * the per-second snapshots the report charts.
 *
 * <p>Typing latencies are recorded with their expected interval (the key rate), so a stall that holds
 * back the keys behind it counts for those keys too: HdrHistogram's correction for coordinated
 * omission.
 */
public final class Recorder {
    /** One second of the run, as charted. Latencies in microseconds; -1 when no answer came. */
    public record Second(double t, long sessionsUp, long errors, long latencyCount, double p50Micros,
                         double p99Micros, double maxMicros, long responses, long bytes) {
    }

    /** Counters of one scenario. */
    static final class Counts {
        final LongAdder sessions = new LongAdder();
        final LongAdder requests = new LongAdder();
        final LongAdder responses = new LongAdder();
        final LongAdder bytesSent = new LongAdder();
        final LongAdder bytesReceived = new LongAdder();
        final LongAdder fileBytes = new LongAdder();
    }

    private final LongSupplier clock;
    private final long start;
    private final AtomicLong attempted = new AtomicLong();
    private final AtomicLong opened = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong lost = new AtomicLong();
    private final AtomicLong aborted = new AtomicLong();
    private final AtomicLong up = new AtomicLong();
    private final LongAdder responsesNow = new LongAdder();
    private final LongAdder bytesNow = new LongAdder();
    private final Map<Scenario, Counts> counts = new EnumMap<>(Scenario.class);
    private final Map<String, LongAdder> errors = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> bySource = new ConcurrentHashMap<>();
    private final org.HdrHistogram.Recorder latencies = new org.HdrHistogram.Recorder(3);
    /** Restores of hibernated JShell sessions seen by typing sessions: Enter to prompt. */
    private final Histogram restores = new Histogram(3);   // guarded by itself
    private volatile long hibernatedAtEnd = -1;
    private volatile long listedAtEnd = -1;
    /** Scheduler thread only. */
    private final Histogram total = new Histogram(3);
    private final List<Second> series = new ArrayList<>();
    private Histogram interval;
    private long lastTick;

    public Recorder(LongSupplier nanoClock) {
        this.clock = nanoClock;
        this.start = nanoClock.getAsLong();
        this.lastTick = start;
        for (Scenario s : Scenario.values()) {
            counts.put(s, new Counts());
        }
    }

    long now() {
        return clock.getAsLong();
    }

    void attempted(Scenario s, InetAddress source) {
        attempted.incrementAndGet();
        counts.get(s).sessions.increment();
        bySource.computeIfAbsent(source == null ? "any" : source.getHostAddress(), k -> new LongAdder()).increment();
    }

    void opened() {
        opened.incrementAndGet();
        up.incrementAndGet();
    }

    void failed(String kind) {
        failed.incrementAndGet();
        error(kind);
    }

    /** A session that was up has closed; {@code lostKind} non-null if the generator did not close it. */
    void closed(String lostKind) {
        up.decrementAndGet();
        if (lostKind != null) {
            lost.incrementAndGet();
            error(lostKind);
        }
    }

    /** The generator closed a session because of an error (a timeout, a refused transfer). */
    void aborted(String kind) {
        aborted.incrementAndGet();
        error(kind);
    }

    void error(String kind) {
        errors.computeIfAbsent(kind, k -> new LongAdder()).increment();
    }

    void request(Scenario s, long bytes) {
        Counts c = counts.get(s);
        c.requests.increment();
        c.bytesSent.add(bytes);
        bytesNow.add(bytes);
    }

    void response(Scenario s) {
        counts.get(s).responses.increment();
        responsesNow.increment();
    }

    void received(Scenario s, long bytes) {
        counts.get(s).bytesReceived.add(bytes);
        bytesNow.add(bytes);
    }

    /** File data moved by a PUT or GET. */
    void transferred(Scenario s, long bytes) {
        counts.get(s).fileBytes.add(bytes);
        bytesNow.add(bytes);
    }

    /** A plain latency (a transfer, a flood command): the time the answer took. */
    void latency(long nanos) {
        latencies.recordValue(Math.max(0, nanos));
    }

    /** A latency of a fixed-rate stream of requests, corrected for coordinated omission. */
    void latency(long nanos, long expectedIntervalNanos) {
        latencies.recordValueWithExpectedInterval(Math.max(0, nanos), expectedIntervalNanos);
    }

    /** A typed line woke a hibernated session: its answer, restore included, took {@code nanos}. */
    void restored(long nanos) {
        synchronized (restores) {
            restores.recordValue(Math.max(0, nanos));
        }
    }

    /** At the end of the run, {@code hibernated} of the {@code listed} JShell sessions SESSIONS listed were hibernated. */
    void hibernatedAtEnd(long hibernated, long listed) {
        hibernatedAtEnd = hibernated;
        listedAtEnd = listed;
    }

    /** A copy of the restores' times. */
    Histogram restores() {
        synchronized (restores) {
            return restores.copy();
        }
    }

    /** Hibernated JShell sessions at the end, or -1 if the server did not list its sessions. */
    long hibernatedAtEnd() {
        return hibernatedAtEnd;
    }

    long listedAtEnd() {
        return listedAtEnd;
    }

    public long sessionsUp() {
        return up.get();
    }

    public long errorCount() {
        return errors.values().stream().mapToLong(LongAdder::sum).sum();
    }

    /** Closes the current second: takes its latencies and rates. Scheduler thread only. */
    Second tick() {
        long now = now();
        interval = latencies.getIntervalHistogram(interval);
        total.add(interval);
        double seconds = Math.max(1e-9, (now - lastTick) / 1e9);
        lastTick = now;
        boolean any = interval.getTotalCount() > 0;
        Second s = new Second(Math.round((now - start) / 1e6) / 1e3, up.get(), errorCount(), interval.getTotalCount(),
                any ? interval.getValueAtPercentile(50) / 1e3 : -1, any ? interval.getValueAtPercentile(99) / 1e3 : -1,
                any ? interval.getMaxValue() / 1e3 : -1,
                Math.round(responsesNow.sumThenReset() / seconds), Math.round(bytesNow.sumThenReset() / seconds));
        series.add(s);
        return s;
    }

    /** The last, partial second. Scheduler thread only, after the last {@link #tick()}. */
    void finish() {
        tick();
    }

    /** All latencies of the run (after {@link #finish()}). */
    Histogram total() {
        return total;
    }

    List<Second> series() {
        return List.copyOf(series);
    }

    long attempted() {
        return attempted.get();
    }

    long openedCount() {
        return opened.get();
    }

    long failedCount() {
        return failed.get();
    }

    long lost() {
        return lost.get();
    }

    long abortedCount() {
        return aborted.get();
    }

    Counts counts(Scenario s) {
        return counts.get(s);
    }

    Map<String, Long> errors() {
        Map<String, Long> out = new TreeMap<>();
        errors.forEach((k, v) -> out.put(k, v.sum()));
        return out;
    }

    Map<String, Long> bySource() {
        Map<String, Long> out = new TreeMap<>();
        bySource.forEach((k, v) -> out.put(k, v.sum()));
        return out;
    }
}
