package dev.webrepl.metrics;

import dev.webrepl.core.files.FileStatus;
import dev.webrepl.core.protocol.ConnectionRecorder;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Connection events as meters: frames and bytes per channel and direction, logins, lockouts,
 * keystroke-to-echo latency (with a percentile histogram) and file transfers by type and status.
 * Per-frame meters are resolved once, so the hot path is an adder increment.
 */
final class ConnectionMeters implements ConnectionRecorder {
    private final MeterRegistry registry;
    private final Map<Channel, Counter> framesIn = new EnumMap<>(Channel.class);
    private final Map<Channel, Counter> framesOut = new EnumMap<>(Channel.class);
    private final Map<Channel, Counter> bytesIn = new EnumMap<>(Channel.class);
    private final Map<Channel, Counter> bytesOut = new EnumMap<>(Channel.class);
    private final Counter loginSuccesses;
    private final Counter loginFailures;
    private final Counter lockouts;
    private final Timer keystrokes;
    private final Counter readPauses;
    private final DistributionSummary outboundPeaks;

    ConnectionMeters(MeterRegistry registry) {
        this.registry = registry;
        for (Channel c : Channel.values()) {
            String tag = c.name().toLowerCase(Locale.ROOT);
            framesIn.put(c, Counter.builder("webrepl.frames.received").description("Data frames received")
                    .tag("channel", tag).register(registry));
            framesOut.put(c, Counter.builder("webrepl.frames.sent").description("Data frames sent")
                    .tag("channel", tag).register(registry));
            bytesIn.put(c, Counter.builder("webrepl.data.received").description("Data frame payload bytes received")
                    .baseUnit("bytes").tag("channel", tag).register(registry));
            bytesOut.put(c, Counter.builder("webrepl.data.sent").description("Data frame payload bytes sent")
                    .baseUnit("bytes").tag("channel", tag).register(registry));
        }
        this.loginSuccesses = Counter.builder("webrepl.auth.attempts").description("Password checks")
                .tag("outcome", "success").register(registry);
        this.loginFailures = Counter.builder("webrepl.auth.attempts").description("Password checks")
                .tag("outcome", "failure").register(registry);
        this.lockouts = Counter.builder("webrepl.auth.lockouts").description("Addresses locked out after failures")
                .register(registry);
        this.keystrokes = Timer.builder("webrepl.keystroke.echo")
                .description("From a terminal input frame's arrival to the first output written to that terminal after it")
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofNanos(10_000))
                .maximumExpectedValue(Duration.ofSeconds(10))
                .register(registry);
        this.readPauses = Counter.builder("webrepl.connections.read.pauses")
                .description("Times a connection stopped being read because its client had not taken its replies")
                .register(registry);
        this.outboundPeaks = DistributionSummary.builder("webrepl.connections.outbound.peak")
                .description("The most bytes ever queued at once for a connection that ended").baseUnit("bytes")
                .register(registry);
    }

    @Override
    public void frameReceived(Channel channel, int payloadBytes) {
        framesIn.get(channel).increment();
        bytesIn.get(channel).increment(payloadBytes);
    }

    @Override
    public void frameSent(Channel channel, int payloadBytes) {
        framesOut.get(channel).increment();
        bytesOut.get(channel).increment(payloadBytes);
    }

    @Override
    public void loginSucceeded() {
        loginSuccesses.increment();
    }

    @Override
    public void loginFailed() {
        loginFailures.increment();
    }

    @Override
    public void lockedOut() {
        lockouts.increment();
    }

    @Override
    public void refused(String reason) {
        // The reasons are a handful of fixed words (ConnectionRecorder#refused): tag cardinality stays low.
        Counter.builder("webrepl.connections.refused").description("Connections refused or closed by a security limit")
                .tag("reason", reason).register(registry).increment();
    }

    @Override
    public void readingPaused() {
        readPauses.increment();
    }

    @Override
    public void outboundPeak(long bytes) {
        outboundPeaks.record(bytes);
    }

    @Override
    public void keystrokeEchoed(long nanos) {
        keystrokes.record(nanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void transferEnded(Kind kind, String detail, long bytes, FileStatus status, Duration took) {
        String type = kind.name().toLowerCase(Locale.ROOT);
        String outcome = status.name().toLowerCase(Locale.ROOT).replace('_', '-');
        Timer.builder("webrepl.transfers").description("File transfers, by type and final status")
                .tag("type", type).tag("status", outcome).register(registry).record(took);
        Counter.builder("webrepl.transfers.data").description("File bytes moved, by type and final status")
                .baseUnit("bytes").tag("type", type).tag("status", outcome).register(registry).increment(bytes);
    }
}
