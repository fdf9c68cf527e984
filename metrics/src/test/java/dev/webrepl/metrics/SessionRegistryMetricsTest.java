package dev.webrepl.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.webrepl.dupterm.SessionConfig;
import dev.webrepl.dupterm.SessionRegistry;
import dev.webrepl.dupterm.Slot;
import dev.webrepl.dupterm.SlotPort;
import dev.webrepl.dupterm.TerminalMode;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The gauges read a real {@link SessionRegistry} when scraped; session events go through {@link SessionMeters}. */
class SessionRegistryMetricsTest {
    private static final SlotPort PORT = new SlotPort() {
        @Override
        public void outputAvailable() {
        }

        @Override
        public void close(int code, String reason) {
        }
    };

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final Deque<FakeEngine> engines = new ArrayDeque<>();
    // Linger 0: a session whose last terminal leaves ends at once.
    private final SessionRegistry sessions = new SessionRegistry(this::nextEngine, new SecureRandom(),
            SessionConfig.DEFAULTS.withLinger(Duration.ZERO), new SessionMeters(registry));

    {
        new SessionRegistryMetrics(sessions).bindTo(registry);
    }

    private synchronized FakeEngine nextEngine() {
        return engines.removeFirst();
    }

    private synchronized FakeEngine plan(String kind) {
        FakeEngine e = new FakeEngine(kind);
        engines.addLast(e);
        return e;
    }

    @AfterEach
    void close() {
        sessions.close();
    }

    private double gauge(String name, String... tags) {
        return registry.get(name).tags(tags).gauge().value();
    }

    @Test
    void terminalsAttachedByModeFollowAttachAndLeave() throws Exception {
        assertEquals(0, gauge("webrepl.terminals.attached", "mode", "read-write"));
        assertEquals(0, gauge("webrepl.terminals.attached", "mode", "view"));
        plan("echo");
        Slot first = sessions.open(PORT);
        String id = first.session().id();
        Slot second = sessions.attach(id, TerminalMode.READ_WRITE, PORT);
        Slot viewer = sessions.attach(id, TerminalMode.VIEW, PORT);
        plan("echo");
        Slot other = sessions.open(PORT);
        assertEquals(3, gauge("webrepl.terminals.attached", "mode", "read-write"));
        assertEquals(1, gauge("webrepl.terminals.attached", "mode", "view"));

        viewer.leave("peer-gone", "peer gone");
        second.leave("peer-gone", "peer gone");
        assertEquals(2, gauge("webrepl.terminals.attached", "mode", "read-write"));
        assertEquals(0, gauge("webrepl.terminals.attached", "mode", "view"));
        first.leave("peer-gone", "peer gone");
        other.leave("peer-gone", "peer gone");
        assertEquals(0, gauge("webrepl.terminals.attached", "mode", "read-write"));
        assertEquals(4, registry.get("webrepl.terminals.deactivated").tags("cause", "peer-gone").counter().count());
        assertEquals(2, registry.get("webrepl.sessions.ended").tags("engine", "echo", "reason", "detached")
                .counter().count());
    }

    @Test
    void inputQueuedIsTheSumNowAndTheMostAnyLiveSessionHasQueued() throws Exception {
        plan("echo");
        Slot a = sessions.open(PORT);
        plan("echo");
        Slot b = sessions.open(PORT);
        a.offer(0, new byte[100]).block(Duration.ofSeconds(5));
        a.offer(1, new byte[20]).block(Duration.ofSeconds(5));
        b.offer(0, new byte[50]).block(Duration.ofSeconds(5));
        assertEquals(170, gauge("webrepl.input.queued"));
        assertEquals(120, gauge("webrepl.input.queued.max"));
        assertEquals("bytes", registry.get("webrepl.input.queued").gauge().getId().getBaseUnit());

        // A session that ends leaves both gauges.
        a.session().end(1000, "", "ended");
        assertEquals(50, gauge("webrepl.input.queued"));
        assertEquals(50, gauge("webrepl.input.queued.max"));
        b.session().end(1000, "", "ended");
        assertEquals(0, gauge("webrepl.input.queued"));
        assertEquals(0, gauge("webrepl.input.queued.max"));
    }

    @Test
    void hibernatedCountsTheSessionsWhoseEngineIsHibernatedNow() throws Exception {
        FakeEngine first = plan("jshell");
        sessions.open(PORT);
        FakeEngine second = plan("jshell");
        sessions.open(PORT);
        assertEquals(0, gauge("webrepl.sessions.hibernated"));

        first.hibernated(true);
        second.hibernated(true);
        assertEquals(2, gauge("webrepl.sessions.hibernated"));
        first.hibernated(false);
        assertEquals(1, gauge("webrepl.sessions.hibernated"));
    }

    @Test
    void sessionsActiveGoesUpAndDownPerEngineWithARealRegistry() throws Exception {
        FakeEngine echo = plan("echo");
        sessions.open(PORT);
        plan("jshell");
        Slot jshell = sessions.open(PORT);
        plan("jshell");
        sessions.open(PORT);
        assertEquals(1, gauge("webrepl.sessions.active", "engine", "echo"));
        assertEquals(2, gauge("webrepl.sessions.active", "engine", "jshell"));
        assertEquals(1, registry.get("webrepl.sessions.opened").tags("engine", "echo").counter().count());
        assertEquals(2, registry.get("webrepl.sessions.opened").tags("engine", "jshell").counter().count());
        assertEquals(1, registry.get("webrepl.engine.start").tags("engine", "echo").timer().count());
        assertEquals(2, registry.get("webrepl.engine.start").tags("engine", "jshell").timer().count());

        echo.exit(0);
        assertEquals(0, gauge("webrepl.sessions.active", "engine", "echo"));
        assertEquals(1, registry.get("webrepl.sessions.ended").tags("engine", "echo", "reason", "engine-exit")
                .counter().count());
        jshell.leave("peer-gone", "peer gone");
        assertEquals(1, gauge("webrepl.sessions.active", "engine", "jshell"));
        sessions.close();
        assertEquals(0, gauge("webrepl.sessions.active", "engine", "jshell"));
        assertEquals(1, registry.get("webrepl.sessions.ended").tags("engine", "jshell", "reason", "detached")
                .counter().count());
        assertEquals(1, registry.get("webrepl.sessions.ended").tags("engine", "jshell", "reason", "shutdown")
                .counter().count());
        assertEquals(2, registry.get("webrepl.sessions.duration").tags("engine", "jshell").timer().count());
    }

    @Test
    void webReplMetricsPutsCommonTagsOnEveryMeter() throws Exception {
        try (WebReplMetrics metrics = new WebReplMetrics(Tags.of("node", "n1"))) {
            plan("echo");
            SessionRegistry own = new SessionRegistry(this::nextEngine, new SecureRandom(), SessionConfig.DEFAULTS,
                    metrics.sessionRecorder());
            try {
                metrics.bind(own);
                own.open(PORT);
                String scrape = metrics.scrape();
                for (String line : List.of("webrepl_sessions_active{engine=\"echo\",node=\"n1\"} 1.0",
                        "webrepl_sessions_opened_total{engine=\"echo\",node=\"n1\"} 1.0",
                        "webrepl_frames_received_total{channel=\"terminal\",node=\"n1\"} 0.0")) {
                    assertTrue(scrape.contains(line + "\n"), () -> line + " in\n" + scrape);
                }
                for (String line : scrape.split("\n")) {
                    if (!line.startsWith("#")) {
                        assertTrue(line.contains("node=\"n1\""), line);
                    }
                }
            } finally {
                own.close();
            }
        }
    }
}
