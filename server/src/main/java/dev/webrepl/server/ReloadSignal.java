package dev.webrepl.server;

import java.util.List;

/**
 * SIGHUP for {@code webrepl serve --users}: re-reads the users file at once, as the daemon convention
 * has it (README "Users"); sessions carry on. {@link #close()} puts the previous handler back. Where
 * SIGHUP cannot be handled, the file is still re-read when it changes (polled).
 */
final class ReloadSignal implements AutoCloseable {
    private final InstalledSignals signals;

    private ReloadSignal(Runnable reload) {
        this.signals = InstalledSignals.install(List.of("HUP"), signal -> reload.run(),
                " (the users file is still re-read when it changes)");
    }

    /** Runs {@code reload} at each SIGHUP until {@link #close()}. */
    static ReloadSignal install(Runnable reload) {
        return new ReloadSignal(reload);
    }

    @Override
    public void close() {
        signals.close();
    }
}
