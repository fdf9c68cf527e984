package dev.webrepl.metrics;

import dev.webrepl.core.protocol.ConnectionRecorder;
import dev.webrepl.dupterm.SessionRecorder;
import dev.webrepl.dupterm.SessionRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.function.Supplier;
import reactor.netty.http.server.HttpServerMetricsRecorder;

/**
 * The meters of one server, in a Prometheus registry of its own (never Micrometer's global one).
 * Hands out the recorder implementations the server is wired with; nothing else in the code
 * knows Micrometer. {@link #close()} releases the GC listener and the registry.
 */
public final class WebReplMetrics implements AutoCloseable {
    private final PrometheusMeterRegistry registry;
    private final SessionMeters sessions;
    private final ConnectionMeters connections;
    private final NettyServerMeters netty;
    private final JvmGcMetrics gc = new JvmGcMetrics();

    /** A new Prometheus registry with the JVM, GC, thread, class loader, processor, uptime and fd binders. */
    public WebReplMetrics() {
        this(Tags.empty());
    }

    /** As above, with {@code commonTags} on every meter (e.g. the node name). */
    public WebReplMetrics(Tags commonTags) {
        this.registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        registry.config().commonTags(commonTags);
        new JvmMemoryMetrics().bindTo(registry);
        gc.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        new FileDescriptorMetrics().bindTo(registry);
        this.sessions = new SessionMeters(registry);
        this.connections = new ConnectionMeters(registry);
        this.netty = new NettyServerMeters(registry);
    }

    /** Give this to the {@link SessionRegistry}. */
    public SessionRecorder sessionRecorder() {
        return sessions;
    }

    /** Give this to the server's options (connections, logins, keystrokes, transfers). */
    public ConnectionRecorder connectionRecorder() {
        return connections;
    }

    /** Give this to the server's options: Reactor Netty's own metrics, into this registry. */
    public Supplier<HttpServerMetricsRecorder> nettyRecorder() {
        return () -> netty;
    }

    /** Adds the gauges read from {@code registry} when scraped (terminals attached, input queued). */
    public void bind(SessionRegistry registry) {
        new SessionRegistryMetrics(registry).bindTo(this.registry);
    }

    /** The Prometheus text exposition format (version 0.0.4). */
    public String scrape() {
        return registry.scrape();
    }

    public PrometheusMeterRegistry registry() {
        return registry;
    }

    @Override
    public void close() {
        gc.close();
        registry.close();
    }
}
