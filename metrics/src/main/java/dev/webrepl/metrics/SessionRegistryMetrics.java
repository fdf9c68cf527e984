package dev.webrepl.metrics;

import dev.webrepl.dupterm.Session;
import dev.webrepl.dupterm.SessionRegistry;
import dev.webrepl.dupterm.TerminalMode;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.Locale;

/**
 * What is a state rather than an event, read from a {@link SessionRegistry} when scraped: terminals
 * attached by mode and input bytes queued now (total, and the most any live session has queued).
 * One pass over the sessions per gauge and scrape; no per-event cost.
 */
final class SessionRegistryMetrics implements MeterBinder {
    private final SessionRegistry sessions;

    SessionRegistryMetrics(SessionRegistry sessions) {
        this.sessions = sessions;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        for (TerminalMode mode : TerminalMode.values()) {
            Gauge.builder("webrepl.terminals.attached", sessions, s -> terminals(s, mode))
                    .description("Terminals attached now, by mode")
                    .tag("mode", mode.name().toLowerCase(Locale.ROOT).replace('_', '-'))
                    .strongReference(false)
                    .register(registry);
        }
        Gauge.builder("webrepl.sessions.hibernated", sessions, SessionRegistryMetrics::hibernated)
                .description("JShell sessions hibernated now (README \"Hibernation\")")
                .strongReference(false).register(registry);
        Gauge.builder("webrepl.input.queued", sessions, SessionRegistryMetrics::queued)
                .description("Input bytes queued for engines now, all sessions together")
                .baseUnit("bytes").strongReference(false).register(registry);
        Gauge.builder("webrepl.input.queued.max", sessions, SessionRegistryMetrics::maxQueued)
                .description("The most input bytes any live session has had queued for its engine")
                .baseUnit("bytes").strongReference(false).register(registry);
    }

    private static double terminals(SessionRegistry registry, TerminalMode mode) {
        long n = 0;
        for (Session s : registry.sessions()) {
            n += s.terminals(mode);
        }
        return n;
    }

    private static double hibernated(SessionRegistry registry) {
        long n = 0;
        for (Session s : registry.sessions()) {
            if (s.hibernated()) {
                n++;
            }
        }
        return n;
    }

    private static double queued(SessionRegistry registry) {
        long n = 0;
        for (Session s : registry.sessions()) {
            n += s.queuedInputBytes();
        }
        return n;
    }

    private static double maxQueued(SessionRegistry registry) {
        long max = 0;
        for (Session s : registry.sessions()) {
            max = Math.max(max, s.maxQueuedInputBytes());
        }
        return max;
    }
}
