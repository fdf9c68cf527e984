package dev.webrepl.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Each session event moves exactly its meter, with exactly its tags. */
class SessionMetersTest {
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final SessionMeters meters = new SessionMeters(registry);

    private double active(String engine) {
        return registry.get("webrepl.sessions.active").tags("engine", engine).gauge().value();
    }

    @Test
    void hibernationsAreCountedAndRestoresTimed() {
        meters.hibernated();
        meters.hibernated();
        meters.restored(Duration.ofMillis(300));

        assertEquals(2, registry.get("webrepl.engine.hibernations").counter().count());
        Timer restores = registry.get("webrepl.engine.restores").timer();
        assertEquals(1, restores.count());
        assertEquals(300, restores.totalTime(TimeUnit.MILLISECONDS));
    }

    @Test
    void sessionsActiveGoesUpAndDownPerEngine() {
        meters.sessionOpened("echo");
        meters.sessionOpened("echo");
        meters.sessionOpened("jshell");
        assertEquals(2, active("echo"));
        assertEquals(1, active("jshell"));

        meters.sessionEnded("echo", "engine-exit", Duration.ofSeconds(3));
        assertEquals(1, active("echo"));
        assertEquals(1, active("jshell"));
        meters.sessionEnded("jshell", "idle", Duration.ofSeconds(1));
        meters.sessionEnded("echo", "shutdown", Duration.ofSeconds(2));
        assertEquals(0, active("echo"));
        assertEquals(0, active("jshell"));
        // One gauge per engine, however many sessions came and went.
        assertEquals(2, registry.find("webrepl.sessions.active").gauges().size());
    }

    @Test
    void openedCountsPerEngine() {
        meters.sessionOpened("echo");
        meters.sessionOpened("echo");
        meters.sessionOpened("process");
        assertEquals(2, registry.get("webrepl.sessions.opened").tags("engine", "echo").counter().count());
        assertEquals(1, registry.get("webrepl.sessions.opened").tags("engine", "process").counter().count());
        assertEquals(2, registry.find("webrepl.sessions.opened").counters().size());
    }

    @Test
    void endedCountsPerEngineAndReasonAndTimesTheLifetime() {
        meters.sessionOpened("echo");
        meters.sessionOpened("echo");
        meters.sessionOpened("echo");
        meters.sessionEnded("echo", "engine-error", Duration.ofSeconds(3));
        meters.sessionEnded("echo", "engine-error", Duration.ofSeconds(5));
        meters.sessionEnded("echo", "detached", Duration.ofMillis(250));

        assertEquals(2, registry.get("webrepl.sessions.ended").tags("engine", "echo", "reason", "engine-error")
                .counter().count());
        assertEquals(1, registry.get("webrepl.sessions.ended").tags("engine", "echo", "reason", "detached")
                .counter().count());
        assertEquals(2, registry.find("webrepl.sessions.ended").counters().size());
        Timer duration = registry.get("webrepl.sessions.duration").tags("engine", "echo").timer();
        assertEquals(3, duration.count());
        assertEquals(8250, duration.totalTime(TimeUnit.MILLISECONDS));
        assertEquals(5000, duration.max(TimeUnit.MILLISECONDS));
        assertEquals(Tags.of("engine", "echo"), Tags.of(duration.getId().getTags()));
    }

    @Test
    void engineStartIsTimedPerEngine() {
        meters.engineStarted("jshell", Duration.ofMillis(800));
        meters.engineStarted("jshell", Duration.ofMillis(200));
        meters.engineStarted("echo", Duration.ofNanos(5_000));
        Timer jshell = registry.get("webrepl.engine.start").tags("engine", "jshell").timer();
        assertEquals(2, jshell.count());
        assertEquals(1000, jshell.totalTime(TimeUnit.MILLISECONDS));
        Timer echo = registry.get("webrepl.engine.start").tags("engine", "echo").timer();
        assertEquals(1, echo.count());
        assertEquals(5_000, echo.totalTime(TimeUnit.NANOSECONDS));
    }

    @Test
    void evaluationsAreTimedWithoutTags() {
        meters.evaluated(Duration.ofMillis(3));
        meters.evaluated(Duration.ofMillis(4));
        Timer t = registry.get("webrepl.engine.evaluations").timer();
        assertEquals(2, t.count());
        assertEquals(7, t.totalTime(TimeUnit.MILLISECONDS));
        assertEquals(List.of(), t.getId().getTags());
    }

    @Test
    void deactivationsCountPerCause() {
        for (String cause : List.of("slow-consumer", "peer-gone", "peer-gone", "limit")) {
            meters.terminalDeactivated(cause);
        }
        assertEquals(1, registry.get("webrepl.terminals.deactivated").tags("cause", "slow-consumer").counter().count());
        assertEquals(2, registry.get("webrepl.terminals.deactivated").tags("cause", "peer-gone").counter().count());
        assertEquals(1, registry.get("webrepl.terminals.deactivated").tags("cause", "limit").counter().count());
        assertNull(registry.find("webrepl.terminals.deactivated").tags("cause", "write-error").counter());
    }

    @Test
    void backlogIsASummaryInBytesAndPausesACounter() {
        assertEquals(0, registry.get("webrepl.producer.pauses").counter().count());
        meters.outputBacklog(100);
        meters.outputBacklog(300);
        meters.producerPaused();
        var backlog = registry.get("webrepl.output.backlog").summary();
        assertEquals(2, backlog.count());
        assertEquals(400, backlog.totalAmount());
        assertEquals(300, backlog.max());
        assertEquals("bytes", backlog.getId().getBaseUnit());
        assertEquals(Meter.Type.DISTRIBUTION_SUMMARY, backlog.getId().getType());
        assertEquals(1, registry.get("webrepl.producer.pauses").counter().count());
    }

    @Test
    void inputQueuedEventsAreNotMeteredHere() {
        // Input queued now is a state, read from the registry by SessionRegistryMetrics.
        int before = registry.getMeters().size();
        meters.inputQueued(1234);
        assertEquals(before, registry.getMeters().size());
    }
}
