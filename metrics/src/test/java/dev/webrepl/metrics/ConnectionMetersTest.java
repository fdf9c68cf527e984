package dev.webrepl.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.webrepl.core.files.FileStatus;
import dev.webrepl.core.protocol.ConnectionRecorder.Channel;
import dev.webrepl.core.protocol.TransferListener.Kind;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Each connection event moves exactly its meter, with exactly its tags. */
class ConnectionMetersTest {
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final ConnectionMeters meters = new ConnectionMeters(registry);

    private Counter counter(String name, String... tags) {
        return registry.get(name).tags(tags).counter();
    }

    @Test
    void frameAndByteCountersExistAtZeroForBothChannels() {
        for (String name : new String[] {"webrepl.frames.received", "webrepl.frames.sent", "webrepl.data.received",
                "webrepl.data.sent"}) {
            assertEquals(0, counter(name, "channel", "terminal").count(), name);
            assertEquals(0, counter(name, "channel", "file").count(), name);
            assertEquals(2, registry.find(name).counters().size(), name);
        }
        assertEquals("bytes", counter("webrepl.data.received", "channel", "file").getId().getBaseUnit());
        assertEquals("bytes", counter("webrepl.data.sent", "channel", "file").getId().getBaseUnit());
    }

    @Test
    void framesReceivedCountFramesAndPayloadBytesPerChannel() {
        meters.frameReceived(Channel.TERMINAL, 7);
        meters.frameReceived(Channel.TERMINAL, 1);
        meters.frameReceived(Channel.FILE, 82);
        meters.frameReceived(Channel.TERMINAL, 0);
        assertEquals(3, counter("webrepl.frames.received", "channel", "terminal").count());
        assertEquals(8, counter("webrepl.data.received", "channel", "terminal").count());
        assertEquals(1, counter("webrepl.frames.received", "channel", "file").count());
        assertEquals(82, counter("webrepl.data.received", "channel", "file").count());
        assertEquals(0, counter("webrepl.frames.sent", "channel", "terminal").count());
    }

    @Test
    void framesSentCountFramesAndPayloadBytesPerChannel() {
        meters.frameSent(Channel.FILE, 4);
        meters.frameSent(Channel.FILE, 65535);
        meters.frameSent(Channel.TERMINAL, 10);
        assertEquals(2, counter("webrepl.frames.sent", "channel", "file").count());
        assertEquals(65539, counter("webrepl.data.sent", "channel", "file").count());
        assertEquals(1, counter("webrepl.frames.sent", "channel", "terminal").count());
        assertEquals(10, counter("webrepl.data.sent", "channel", "terminal").count());
        assertEquals(0, counter("webrepl.frames.received", "channel", "file").count());
    }

    @Test
    void loginsAndLockoutsAreCounted() {
        meters.loginSucceeded();
        meters.loginFailed();
        meters.loginFailed();
        meters.lockedOut();
        assertEquals(1, counter("webrepl.auth.attempts", "outcome", "success").count());
        assertEquals(2, counter("webrepl.auth.attempts", "outcome", "failure").count());
        assertEquals(2, registry.find("webrepl.auth.attempts").counters().size());
        assertEquals(1, counter("webrepl.auth.lockouts").count());
    }

    @Test
    void refusalsAreCountedByReason() {
        meters.refused("origin");
        meters.refused("origin");
        meters.refused("login-timeout");
        assertEquals(2, counter("webrepl.connections.refused", "reason", "origin").count());
        assertEquals(1, counter("webrepl.connections.refused", "reason", "login-timeout").count());
        assertEquals(2, registry.find("webrepl.connections.refused").counters().size());
    }

    @Test
    void readPausesAreCountedAndOutboundPeaksSummarised() {
        assertEquals(0, registry.get("webrepl.connections.read.pauses").counter().count());
        meters.readingPaused();
        meters.readingPaused();
        meters.outboundPeak(129);
        meters.outboundPeak(1 << 20);
        assertEquals(2, registry.get("webrepl.connections.read.pauses").counter().count());
        io.micrometer.core.instrument.DistributionSummary peaks =
                registry.get("webrepl.connections.outbound.peak").summary();
        assertEquals(2, peaks.count());
        assertEquals(1 << 20, peaks.max());
        assertEquals("bytes", peaks.getId().getBaseUnit());
    }

    @Test
    void keystrokeEchoIsTimedInNanoseconds() {
        meters.keystrokeEchoed(1_500_000);
        meters.keystrokeEchoed(500_000);
        Timer t = registry.get("webrepl.keystroke.echo").timer();
        assertEquals(2, t.count());
        assertEquals(2_000_000, t.totalTime(TimeUnit.NANOSECONDS));
        assertEquals(1_500_000, t.max(TimeUnit.NANOSECONDS));
    }

    @Test
    void keystrokeEchoHasAPercentileHistogramInPrometheus() {
        PrometheusMeterRegistry prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        try {
            ConnectionMeters m = new ConnectionMeters(prometheus);
            m.keystrokeEchoed(TimeUnit.MILLISECONDS.toNanos(2));
            String scrape = prometheus.scrape();
            assertTrue(scrape.contains("webrepl_keystroke_echo_seconds_bucket{le=\"+Inf\"} 1\n"), scrape);
            assertTrue(scrape.contains("webrepl_keystroke_echo_seconds_count 1\n"), scrape);
            // The smallest bucket is at the minimum expected value (10 µs), the largest finite at 10 s.
            assertTrue(scrape.contains("webrepl_keystroke_echo_seconds_bucket{le=\"1.0E-5\"} 0\n"), scrape);
            assertTrue(scrape.contains("webrepl_keystroke_echo_seconds_bucket{le=\"10.0\"} 1\n"), scrape);
        } finally {
            prometheus.close();
        }
    }

    @Test
    void transfersAreTimedAndTheirBytesCountedByTypeAndStatus() {
        meters.transferEnded(Kind.PUT, "", 1000, FileStatus.OK, Duration.ofMillis(5));
        meters.transferEnded(Kind.PUT, "", 2000, FileStatus.OK, Duration.ofMillis(7));
        meters.transferEnded(Kind.GET, "", 0, FileStatus.NOT_FOUND, Duration.ofMillis(1));
        meters.transferEnded(Kind.PUT, "", 300, FileStatus.NO_SPACE, Duration.ofMillis(2));

        Timer putOk = registry.get("webrepl.transfers").tags("type", "put", "status", "ok").timer();
        assertEquals(2, putOk.count());
        assertEquals(12, putOk.totalTime(TimeUnit.MILLISECONDS));
        assertEquals(3000, counter("webrepl.transfers.data", "type", "put", "status", "ok").count());
        assertEquals("bytes", counter("webrepl.transfers.data", "type", "put", "status", "ok").getId().getBaseUnit());

        assertEquals(1, registry.get("webrepl.transfers").tags("type", "get", "status", "not-found").timer().count());
        assertEquals(0, counter("webrepl.transfers.data", "type", "get", "status", "not-found").count());
        assertEquals(1, registry.get("webrepl.transfers").tags("type", "put", "status", "no-space").timer().count());
        assertEquals(300, counter("webrepl.transfers.data", "type", "put", "status", "no-space").count());
        assertEquals(3, registry.find("webrepl.transfers").timers().size());
    }
}
