package dev.webrepl.transport.sessions;

import dev.webrepl.core.engine.ReplEngine;
import dev.webrepl.dupterm.Session;
import dev.webrepl.dupterm.SessionConfig;
import dev.webrepl.dupterm.SessionRecorder;
import dev.webrepl.dupterm.SessionRegistry;
import dev.webrepl.engines.echo.EchoEvaluator;
import dev.webrepl.transport.conformance.ServerTestBase;
import java.io.IOException;
import java.security.SecureRandom;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * A real server on loopback (see {@link ServerTestBase}) whose sessions use {@link #config} and run
 * the echo engine, or a {@link ControlledEngine} when {@link #controlled} is set; a
 * {@link Recorder} sees every session event.
 */
abstract class SessionsTestBase extends ServerTestBase {
    SessionConfig config = SessionConfig.DEFAULTS;
    boolean controlled;
    /** When set, each controlled engine throws it from start(). */
    volatile java.io.IOException startFailure;
    final List<ControlledEngine> engines = new CopyOnWriteArrayList<>();
    final Recorder recorder = new Recorder();
    private final List<Scheduler> timers = new CopyOnWriteArrayList<>();

    /** What the sessions report, kept for assertions. */
    static final class Recorder implements SessionRecorder {
        final AtomicLong maxQueued = new AtomicLong();
        final List<String> deactivations = new CopyOnWriteArrayList<>();
        final List<String> ends = new CopyOnWriteArrayList<>();

        @Override
        public void inputQueued(long bytes) {
            maxQueued.accumulateAndGet(bytes, Math::max);
        }

        @Override
        public void terminalDeactivated(String cause) {
            deactivations.add(cause);
        }

        @Override
        public void sessionEnded(String engine, String reason, java.time.Duration lifetime) {
            ends.add(reason);
        }
    }

    @Override
    protected SessionRegistry newRegistry() {
        Scheduler t = Schedulers.newSingle("test-timers", true);
        timers.add(t);
        Supplier<ReplEngine> make = controlled ? () -> {
            ControlledEngine e = new ControlledEngine();
            e.failAtStart = startFailure;
            engines.add(e);
            return e;
        } : EchoEvaluator::engine;
        return new SessionRegistry(make, new SecureRandom(), config, t, recorder);
    }

    /** Restarts the server with sessions limited by {@code c}, running controlled engines if {@code controlledEngines}. */
    void restart(SessionConfig c, boolean controlledEngines) throws IOException {
        config = c;
        controlled = controlledEngines;
        restartWith(this::configure);
    }

    @Override
    protected void stopServer() throws IOException {
        try {
            super.stopServer();
        } finally {
            for (Scheduler t : timers) {
                t.dispose();
            }
        }
    }

    /** The engine of the {@code n}th session opened (0-based), once it exists. */
    ControlledEngine engine(int n) {
        await("engine " + n + " exists", () -> engines.size() > n);
        return engines.get(n);
    }

    Session session(String id) {
        return server.sessions().find(id).orElseThrow(() -> new AssertionError("no session " + id));
    }

    static String attach(String id) {
        return "/session/" + id;
    }
}
