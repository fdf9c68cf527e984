package dev.webrepl.server;

import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * Signal handlers installed together and put back together ({@code sun.misc.Signal}, module
 * jdk.unsupported: the JDK's only way to see a signal): what {@link ShutdownSignals} and
 * {@link ReloadSignal} share. A signal the JVM will not let us handle (e.g. under {@code -Xrs}) keeps
 * the JVM's default and is logged once with {@code why}.
 */
final class InstalledSignals implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(InstalledSignals.class);

    private final List<Signal> installed = new ArrayList<>();
    private final List<SignalHandler> previous = new ArrayList<>();

    private InstalledSignals() {
    }

    /** Handles each of {@code names} ({@code "TERM"}, {@code "HUP"}, ...) with {@code handler} until {@link #close()}. */
    static InstalledSignals install(List<String> names, SignalHandler handler, String why) {
        InstalledSignals s = new InstalledSignals();
        for (String name : names) {
            try {
                Signal signal = new Signal(name);
                s.previous.add(Signal.handle(signal, handler));
                s.installed.add(signal);
            } catch (IllegalArgumentException inUse) {
                LOG.info("SIG{} left to the JVM{}: {}", name, why, inUse.getMessage());
            }
        }
        return s;
    }

    @Override
    public void close() {
        for (int i = 0; i < installed.size(); i++) {
            try {
                Signal.handle(installed.get(i), previous.get(i));
            } catch (IllegalArgumentException e) {
                LOG.debug("cannot restore SIG{}", installed.get(i).getName(), e);
            }
        }
    }
}
