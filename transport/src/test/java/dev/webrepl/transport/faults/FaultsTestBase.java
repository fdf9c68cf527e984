package dev.webrepl.transport.faults;

import dev.webrepl.core.engine.ReplEngine;
import dev.webrepl.core.files.FileStatus;
import dev.webrepl.core.protocol.ConnectionRecorder;
import dev.webrepl.core.protocol.TransferListener;
import dev.webrepl.dupterm.SessionConfig;
import dev.webrepl.dupterm.SessionRecorder;
import dev.webrepl.dupterm.SessionRegistry;
import dev.webrepl.engines.echo.EchoEvaluator;
import dev.webrepl.transport.conformance.ServerTestBase;
import dev.webrepl.transport.server.ServerOptions;
import java.io.IOException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;

/**
 * A real server for fault tests: sessions limited by {@link #config} and run by {@link #engines}
 * (echo unless a test sets them); the session and connection events are kept for assertions.
 */
abstract class FaultsTestBase extends ServerTestBase {
    SessionConfig config = SessionConfig.DEFAULTS;
    Supplier<ReplEngine> engines = EchoEvaluator::engine;
    final List<String> deactivations = new CopyOnWriteArrayList<>();
    final List<String> ends = new CopyOnWriteArrayList<>();
    /** Transfers as ended: {@code KIND STATUS}, e.g. {@code GET IO_ERROR}. */
    final List<String> transfers = new CopyOnWriteArrayList<>();

    @Override
    protected ServerOptions configure(ServerOptions options) {
        // Every fault client comes from 127.0.0.1; MassDisconnectTest needs more than the default 50
        // connections and 20 sessions.
        return options.withSecurity(options.security().withMaxConnectionsPerAddress(1000).withMaxSessionsPerAddress(0))
                .withRecorder(new ConnectionRecorder() {
                    @Override
                    public void transferEnded(TransferListener.Kind kind, String detail, long bytes, FileStatus status,
                                              Duration took) {
                        transfers.add(kind + " " + status);
                    }
                });
    }

    @Override
    protected SessionRegistry newRegistry() {
        return new SessionRegistry(() -> engines.get(), new SecureRandom(), config, new SessionRecorder() {
            @Override
            public void terminalDeactivated(String cause) {
                deactivations.add(cause);
            }

            @Override
            public void sessionEnded(String engine, String reason, Duration lifetime) {
                ends.add(reason);
            }
        });
    }

    /** Restarts the server with sessions limited by {@code c} and run by {@code e}; call before connecting. */
    void restart(SessionConfig c, Supplier<ReplEngine> e) throws IOException {
        config = c;
        engines = e;
        restartWith(this::configure);
    }
}
