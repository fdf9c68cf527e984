package dev.webrepl.server;

import dev.webrepl.core.engine.ReplEngine;
import dev.webrepl.dupterm.SessionConfig;
import dev.webrepl.dupterm.SessionIds;
import dev.webrepl.core.audit.AuditLog;
import dev.webrepl.dupterm.SessionRecorder;
import dev.webrepl.dupterm.SessionRecorders;
import dev.webrepl.metrics.audit.AuditLogFile;
import dev.webrepl.metrics.audit.SessionRecordings;
import dev.webrepl.dupterm.SessionRegistry;
import dev.webrepl.metrics.AdminOptions;
import dev.webrepl.metrics.AdminServer;
import dev.webrepl.metrics.ServerHealth;
import dev.webrepl.metrics.WebReplMetrics;
import dev.webrepl.transport.server.ServerOptions;
import dev.webrepl.transport.server.WebReplServer;
import java.security.SecureRandom;
import java.util.Map;
import java.util.function.Supplier;

/**
 * One WebREPL server wired with its sessions and, unless turned off, its metrics: the recorders of
 * {@link WebReplMetrics} go into the session registry and the server options, and the registry's
 * gauges are bound. Optionally also the admin listener ({@link AdminServer}) over those metrics
 * and sessions. Owns all of it; {@link #close()} releases the admin listener first (so nobody
 * reads a registry being torn down), then the server (and its sessions), then the meters.
 */
public final class MonitoredServer implements AutoCloseable {
    private final WebReplServer server;
    private final WebReplMetrics metrics;
    private final AdminServer admin;
    private final SessionRecordings recordings;
    private final AuditLogFile audit;
    private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();

    private MonitoredServer(WebReplServer server, WebReplMetrics metrics, AdminServer admin,
                            SessionRecordings recordings, AuditLogFile audit) {
        this.recordings = recordings;
        this.audit = audit;
        this.server = server;
        this.metrics = metrics;
        this.admin = admin;
    }

    /**
     * @param metrics the meters to record into (owned by the result from now on), or null to run
     *                without metrics
     */
    public static MonitoredServer start(ServerOptions options, Supplier<ReplEngine> engines, SessionConfig config,
                                        WebReplMetrics metrics) {
        return start(options, engines, config, metrics, null, Map::of);
    }

    /**
     * As above, with the admin listener on {@code admin} unless that is null.
     *
     * @param admin      where the admin listener binds, or null for none; needs {@code metrics}
     * @param enginePool the engine pool as {@code /health} reports it, e.g. {@code {"kind":"jshell","warm":2}};
     *                   asked on every request, so it must be cheap
     */
    public static MonitoredServer start(ServerOptions options, Supplier<ReplEngine> engines, SessionConfig config,
                                        WebReplMetrics metrics, AdminOptions admin,
                                        Supplier<Map<String, Object>> enginePool) {
        return start(options, engines, config, metrics, admin, enginePool, null);
    }

    /**
     * As above, as node {@code node} of several behind a proxy (README "Running several nodes"): its
     * session ids are {@code node.RANDOM} ({@link SessionIds}). The meters' node tag is the caller's
     * choice ({@code new WebReplMetrics(Tags.of("node", node))}, as {@code serve --node} does).
     *
     * @param node the node name ({@link SessionIds#NODE_NAME}), or null for plain ids
     */
    public static MonitoredServer start(ServerOptions options, Supplier<ReplEngine> engines, SessionConfig config,
                                        WebReplMetrics metrics, AdminOptions admin,
                                        Supplier<Map<String, Object>> enginePool, String node) {
        return start(options, engines, config, metrics, admin, enginePool, node, null);
    }

    /**
     * As above; when the admin listener cannot bind its address and {@code adminUnavailable} is not
     * null, that is told (with Reactor Netty's bind failure) and the server runs on without the admin
     * listener, rather than stopping: {@code serve} does so on the default admin port.
     */
    public static MonitoredServer start(ServerOptions options, Supplier<ReplEngine> engines, SessionConfig config,
                                        WebReplMetrics metrics, AdminOptions admin,
                                        Supplier<Map<String, Object>> enginePool, String node,
                                        java.util.function.Consumer<reactor.netty.ChannelBindException> adminUnavailable) {
        return start(options, engines, config, metrics, admin, enginePool, node, adminUnavailable, null, null);
    }

    /**
     * As above, with session recordings and an audit log (README "Recordings", "Audit log"), each
     * owned by the result from now on (closed after the server, so sessions ended at shutdown are
     * complete in both), or null for none. The admin listener lists and plays the recordings.
     */
    public static MonitoredServer start(ServerOptions options, Supplier<ReplEngine> engines, SessionConfig config,
                                        WebReplMetrics metrics, AdminOptions admin,
                                        Supplier<Map<String, Object>> enginePool, String node,
                                        java.util.function.Consumer<reactor.netty.ChannelBindException> adminUnavailable,
                                        SessionRecordings recordings, AuditLogFile audit) {
        try {
            return startWith(options, engines, config, metrics, admin, enginePool, node, adminUnavailable, recordings,
                    audit);
        } catch (RuntimeException e) {
            closeTrails(recordings, audit);
            throw e;
        }
    }

    private static MonitoredServer startWith(ServerOptions options, Supplier<ReplEngine> engines, SessionConfig config,
                                             WebReplMetrics metrics, AdminOptions admin,
                                             Supplier<Map<String, Object>> enginePool, String node,
                                             java.util.function.Consumer<reactor.netty.ChannelBindException> adminUnavailable,
                                             SessionRecordings recordings, AuditLogFile audit) {
        SessionIds ids = node == null ? SessionIds.random(new SecureRandom()) : SessionIds.forNode(node, new SecureRandom());
        if (admin != null && metrics == null) {
            throw new IllegalArgumentException("the admin listener needs metrics");
        }
        SessionRecorder recorder = SessionRecorders.of(metrics == null ? SessionRecorder.NONE : metrics.sessionRecorder(),
                recordings == null ? SessionRecorder.NONE : recordings, audit == null ? SessionRecorder.NONE : audit.sessions());
        SessionRegistry sessions = new SessionRegistry(engines, ids, config, recorder);
        if (metrics != null) {
            options = options.withRecorder(metrics.connectionRecorder()).withNettyMetrics(metrics.nettyRecorder());
            metrics.bind(sessions);
        }
        WebReplServer server;
        try {
            server = WebReplServer.start(options, sessions, audit == null ? AuditLog.NONE : audit);
        } catch (RuntimeException e) {
            sessions.close();
            if (metrics != null) {
                metrics.close();
            }
            throw e;
        }
        AdminServer adminServer = null;
        if (admin != null) {
            try {
                adminServer = AdminServer.start(admin, metrics, sessions,
                        () -> new ServerHealth(server.isListening(), enginePool.get()), server::clearLockouts, recordings);
            } catch (reactor.netty.ChannelBindException e) {
                if (adminUnavailable == null) {
                    server.close();
                    metrics.close();
                    throw e;
                }
                adminUnavailable.accept(e);
            } catch (RuntimeException e) {
                server.close();
                metrics.close();
                throw e;
            }
        }
        return new MonitoredServer(server, metrics, adminServer, recordings, audit);
    }

    private static void closeTrails(SessionRecordings recordings, AuditLogFile audit) {
        try {
            if (recordings != null) {
                recordings.close();
            }
        } finally {
            if (audit != null) {
                audit.close();
            }
        }
    }

    public WebReplServer server() {
        return server;
    }

    /** The meters, or null when running without metrics. */
    public WebReplMetrics metrics() {
        return metrics;
    }

    /** The session recordings, or null when not recording. */
    public SessionRecordings recordings() {
        return recordings;
    }

    /** The audit log, or null without one. */
    public AuditLogFile audit() {
        return audit;
    }

    /** The admin listener, or null when running without one. */
    public AdminServer admin() {
        return admin;
    }

    /** Idempotent: the serve command closes on a signal, its shutdown hook may close again. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            if (admin != null) {
                admin.close();
            }
        } finally {
            try {
                server.close();
            } finally {
                try {
                    closeTrails(recordings, audit);
                } finally {
                    if (metrics != null) {
                        metrics.close();
                    }
                }
            }
        }
    }
}
