package dev.webrepl.metrics;

import dev.webrepl.dupterm.SessionRecorder;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Session events as meters: opened and ended sessions (by engine and reason), session and engine
 * start times, deactivated terminals (by cause), output backlog per terminal and producer pauses.
 * Meters with a fixed name and tags are resolved once; those tagged by a reason are looked up per
 * event, which is rare.
 */
final class SessionMeters implements SessionRecorder {
    private final MeterRegistry registry;
    private final DistributionSummary backlog;
    private final Counter pauses;
    private final Timer evaluations;
    private final Counter hibernations;
    private final Timer restores;
    /** Sessions open now per engine, counted as they open and end (each session ends exactly once). */
    private final Map<String, AtomicInteger> active = new ConcurrentHashMap<>();

    SessionMeters(MeterRegistry registry) {
        this.registry = registry;
        this.backlog = DistributionSummary.builder("webrepl.output.backlog")
                .description("A terminal's output backlog right after the session wrote to it")
                .baseUnit("bytes")
                .register(registry);
        this.pauses = Counter.builder("webrepl.producer.pauses")
                .description("Producers paused because every terminal was above the high-water mark")
                .register(registry);
        this.evaluations = Timer.builder("webrepl.engine.evaluations")
                .description("Inputs evaluated by engines with a line discipline")
                .register(registry);
        this.hibernations = Counter.builder("webrepl.engine.hibernations")
                .description("Engines that released their state after a while without input (README \"Hibernation\")")
                .register(registry);
        this.restores = Timer.builder("webrepl.engine.restores")
                .description("Hibernated engines restored by an input, and how long each restore took")
                .register(registry);
    }

    private AtomicInteger active(String engine) {
        return active.computeIfAbsent(engine, e -> {
            AtomicInteger n = new AtomicInteger();
            Gauge.builder("webrepl.sessions.active", n, AtomicInteger::get)
                    .description("Sessions open now").tag("engine", e).register(registry);
            return n;
        });
    }

    @Override
    public void sessionOpened(String engine) {
        active(engine).incrementAndGet();
        Counter.builder("webrepl.sessions.opened").description("Sessions opened")
                .tag("engine", engine).register(registry).increment();
    }

    @Override
    public void engineStarted(String engine, Duration took) {
        Timer.builder("webrepl.engine.start").description("Time for an engine to start")
                .tag("engine", engine).register(registry).record(took);
    }

    @Override
    public void evaluated(Duration took) {
        evaluations.record(took);
    }

    @Override
    public void hibernated() {
        hibernations.increment();
    }

    @Override
    public void restored(Duration took) {
        restores.record(took);
    }

    @Override
    public void terminalDeactivated(String cause) {
        Counter.builder("webrepl.terminals.deactivated").description("Terminals deactivated or refused")
                .tag("cause", cause).register(registry).increment();
    }

    @Override
    public void outputBacklog(long bytes) {
        backlog.record(bytes);
    }

    @Override
    public void producerPaused() {
        pauses.increment();
    }

    @Override
    public void sessionEnded(String engine, String reason, Duration lifetime) {
        active(engine).decrementAndGet();
        Counter.builder("webrepl.sessions.ended").description("Sessions ended")
                .tag("engine", engine).tag("reason", reason).register(registry).increment();
        Timer.builder("webrepl.sessions.duration").description("How long sessions lived")
                .tag("engine", engine).register(registry).record(lifetime);
    }
}
