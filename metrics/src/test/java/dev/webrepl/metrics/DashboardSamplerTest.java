package dev.webrepl.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.webrepl.core.files.FileStatus;
import dev.webrepl.core.protocol.ConnectionRecorder;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.CountAtBucket;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class DashboardSamplerTest {
    private final WebReplMetrics metrics = new WebReplMetrics();
    private final StepClock clock = new StepClock();

    @AfterEach
    void close() {
        metrics.close();
    }

    @Test
    void turnsCountersIntoRatesAndCountsPerInterval() {
        DashboardSampler sampler = new DashboardSampler(metrics.registry(), clock, 10);
        ConnectionRecorder connections = metrics.connectionRecorder();
        metrics.sessionRecorder().sessionOpened("echo");
        connections.frameReceived(ConnectionRecorder.Channel.TERMINAL, 600);
        connections.frameReceived(ConnectionRecorder.Channel.FILE, 400);
        connections.frameSent(ConnectionRecorder.Channel.TERMINAL, 3000);
        connections.transferEnded(ConnectionRecorder.Kind.PUT, "a", 10, FileStatus.OK, Duration.ofMillis(5));
        connections.transferEnded(ConnectionRecorder.Kind.GET, "b", 0, FileStatus.NOT_FOUND, Duration.ofMillis(1));
        metrics.sessionRecorder().terminalDeactivated("slow-consumer");
        metrics.sessionRecorder().terminalDeactivated("peer-gone");
        metrics.sessionRecorder().terminalDeactivated("peer-gone");
        metrics.sessionRecorder().terminalDeactivated("limit");
        clock.advance(2000);

        DashboardPoint first = sampler.sample();
        assertEquals(clock.millis(), first.epochMillis());
        assertEquals(1.0, first.sessions());
        assertEquals(500.0, first.bytesInPerSecond());
        assertEquals(1500.0, first.bytesOutPerSecond());
        assertEquals(2.0, first.transfers());
        assertEquals(1.0, first.failedTransfers());
        assertEquals(2.0, first.disconnects(), "clients that went away: normal disconnects");
        assertEquals(2.0, first.deactivations(), "slow-consumer and limit");

        clock.advance(1000);
        DashboardPoint second = sampler.sample();
        assertEquals(1.0, second.sessions(), "a state, not a count per interval");
        assertEquals(0.0, second.bytesInPerSecond());
        assertEquals(0.0, second.bytesOutPerSecond());
        assertEquals(0.0, second.transfers());
        assertEquals(0.0, second.disconnects());
        assertEquals(0.0, second.deactivations());
        assertTrue(Double.isNaN(second.echoP50Millis()), "no keystroke, no latency");
        assertEquals(List.of(first, second), sampler.points());
    }

    @Test
    void latencyPercentilesComeFromTheBucketsFilledInTheInterval() {
        DashboardSampler sampler = new DashboardSampler(metrics.registry(), clock, 10);
        // Before the interval: slow keystrokes that must not count in it.
        for (int i = 0; i < 50; i++) {
            metrics.connectionRecorder().keystrokeEchoed(TimeUnit.MILLISECONDS.toNanos(500));
        }
        clock.advance(1000);
        sampler.sample();
        for (int i = 0; i < 100; i++) {
            metrics.connectionRecorder().keystrokeEchoed(TimeUnit.MILLISECONDS.toNanos(1));
        }
        clock.advance(1000);
        DashboardPoint point = sampler.sample();

        // All 100 fall in one bucket (lower, upper]: p50 and p99 interpolate inside it.
        Timer echo = metrics.registry().get("webrepl.keystroke.echo").timer();
        double lower = 0;
        double upper = Double.NaN;
        for (CountAtBucket b : echo.takeSnapshot().histogramCounts()) {
            if (b.bucket(TimeUnit.MILLISECONDS) >= 1.0) {
                upper = b.bucket(TimeUnit.MILLISECONDS);
                break;
            }
            lower = b.bucket(TimeUnit.MILLISECONDS);
        }
        assertEquals(lower + (upper - lower) * 0.5, point.echoP50Millis(), 1e-9);
        assertEquals(lower + (upper - lower) * 0.99, point.echoP99Millis(), 1e-9);
    }

    @Test
    void keepsOnlyTheNewestSamplesUpToItsCapacity() {
        DashboardSampler sampler = new DashboardSampler(metrics.registry(), clock, 3);
        for (int i = 0; i < 5; i++) {
            clock.advance(1000);
            sampler.sample();
        }
        List<DashboardPoint> points = sampler.points();
        assertEquals(3, points.size());
        assertEquals(List.of(3000L, 4000L, 5000L), points.stream().map(DashboardPoint::epochMillis).toList());
    }

    /** A clock that moves only when told. */
    private static final class StepClock extends Clock {
        private volatile long millis;

        void advance(long by) {
            millis += by;
        }

        @Override
        public long millis() {
            return millis;
        }

        @Override
        public Instant instant() {
            return Instant.ofEpochMilli(millis);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            throw new UnsupportedOperationException();
        }
    }
}
