package dev.webrepl.server;

import java.util.ArrayList;
import java.util.List;
import sun.misc.Signal;
import sun.misc.SignalHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SIGHUP for {@code webrepl serve --users}: re-reads the users file at once, as the daemon convention
 * has it (README "Users"); sessions carry on. {@link #close()} puts the previous handler back. Where
 * SIGHUP cannot be handled, the file is still re-read when it changes (polled).
 */
final class ReloadSignal implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ReloadSignal.class);

    private final List<Signal> installed = new ArrayList<>();
    private final List<SignalHandler> previous = new ArrayList<>();
    private final Runnable reload;

    private ReloadSignal(Runnable reload) {
        this.reload = reload;
    }

    /** Runs {@code reload} at each SIGHUP until {@link #close()}. */
    static ReloadSignal install(Runnable reload) {
        ReloadSignal s = new ReloadSignal(reload);
        try {
            Signal hup = new Signal("HUP");
            s.previous.add(Signal.handle(hup, s::handle));
            s.installed.add(hup);
        } catch (IllegalArgumentException inUse) {
            LOG.info("SIGHUP left to the JVM (the users file is still re-read when it changes): "
                    + inUse.getMessage());
        }
        return s;
    }

    /** What a SIGHUP does. */
    void handle(Signal signal) {
        reload.run();
    }

    @Override
    public void close() {
        for (int i = 0; i < installed.size(); i++) {
            try {
                Signal.handle(installed.get(i), previous.get(i));
            } catch (IllegalArgumentException e) {
                LOG.debug("cannot restore SIGHUP", e);
            }
        }
    }
}
