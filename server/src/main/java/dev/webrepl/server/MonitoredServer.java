package dev.webrepl.server;

import dev.webrepl.core.engine.ReplEngine;
import dev.webrepl.dupterm.SessionConfig;
import dev.webrepl.dupterm.SessionRecorder;
import dev.webrepl.dupterm.SessionRegistry;
import dev.webrepl.metrics.WebReplMetrics;
import dev.webrepl.transport.server.ServerOptions;
import dev.webrepl.transport.server.WebReplServer;
import java.security.SecureRandom;
import java.util.function.Supplier;

/**
 * One WebREPL server wired with its sessions and, unless turned off, its metrics: the recorders of
 * {@link WebReplMetrics} go into the session registry and the server options, and the registry's
 * gauges are bound. Owns all of it; {@link #close()} releases the server (and its sessions), then
 * the meters.
 */
public final class MonitoredServer implements AutoCloseable {
    private final WebReplServer server;
    private final WebReplMetrics metrics;

    private MonitoredServer(WebReplServer server, WebReplMetrics metrics) {
        this.server = server;
        this.metrics = metrics;
    }

    /**
     * @param metrics the meters to record into (owned by the result from now on), or null to run
     *                without metrics
     */
    public static MonitoredServer start(ServerOptions options, Supplier<ReplEngine> engines, SessionConfig config,
                                        WebReplMetrics metrics) {
        SessionRecorder recorder = metrics == null ? SessionRecorder.NONE : metrics.sessionRecorder();
        SessionRegistry sessions = new SessionRegistry(engines, new SecureRandom(), config, recorder);
        if (metrics != null) {
            options = options.withRecorder(metrics.connectionRecorder()).withNettyMetrics(metrics.nettyRecorder());
            metrics.bind(sessions);
        }
        try {
            return new MonitoredServer(WebReplServer.start(options, sessions), metrics);
        } catch (RuntimeException e) {
            sessions.close();
            if (metrics != null) {
                metrics.close();
            }
            throw e;
        }
    }

    public WebReplServer server() {
        return server;
    }

    /** The meters, or null when running without metrics. */
    public WebReplMetrics metrics() {
        return metrics;
    }

    @Override
    public void close() {
        try {
            server.close();
        } finally {
            if (metrics != null) {
                metrics.close();
            }
        }
    }
}
