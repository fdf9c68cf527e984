package dev.webrepl.server;

import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import sun.misc.Signal;

/**
 * SIGTERM and SIGINT for {@code webrepl serve}: the first asks for a graceful shutdown (which the
 * serving thread performs, so the process then exits 0, not the JVM's 143 for a signal); a second,
 * while that shutdown runs, halts the JVM at once with 128 + the signal's number (143 for SIGTERM,
 * 130 for SIGINT). Without these handlers the JVM would run its shutdown hooks on the first signal
 * and ignore the second. {@link #close()} puts the previous handlers back.
 *
 * <p>{@code sun.misc.Signal} (module jdk.unsupported) is the JDK's only way to see a signal before
 * the shutdown sequence starts. Where a signal cannot be handled (e.g. {@code -Xrs}), the JVM's
 * default remains, and the serve command's shutdown hook still closes the server.
 */
final class ShutdownSignals implements AutoCloseable {
    private static final List<String> SIGNALS = List.of("TERM", "INT");

    private final PrintWriter err;
    private final Sinks.Empty<Void> received = Sinks.empty();
    private final AtomicInteger count = new AtomicInteger();
    private InstalledSignals signals;

    private ShutdownSignals(PrintWriter err) {
        this.err = err;
    }

    /** Handles SIGTERM and SIGINT from now until {@link #close()}; messages go to {@code err}. */
    static ShutdownSignals install(PrintWriter err) {
        ShutdownSignals s = new ShutdownSignals(err);
        s.signals = InstalledSignals.install(SIGNALS, s::handle, "");
        return s;
    }

    /** Completes at the first signal. */
    Mono<Void> received() {
        return received.asMono();
    }

    private void handle(Signal signal) {
        if (count.getAndIncrement() == 0) {
            err.println("webrepl: SIG" + signal.getName() + ": shutting down (a second signal exits at once)");
            err.flush();
            received.tryEmitEmpty();
            return;
        }
        err.println("webrepl: second signal (SIG" + signal.getName() + "): exiting at once");
        err.flush();
        Runtime.getRuntime().halt(128 + signal.getNumber());
    }

    @Override
    public void close() {
        signals.close();
    }
}
