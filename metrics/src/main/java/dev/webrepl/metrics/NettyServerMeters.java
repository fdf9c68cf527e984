package dev.webrepl.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import reactor.netty.http.server.HttpServerMetricsRecorder;

/**
 * Reactor Netty's own server metrics, under Reactor Netty's meter names, recorded into this
 * server's registry instead of Micrometer's global one (no global state: two servers in one JVM
 * keep their meters apart). URIs arrive already bounded ({@code /}, {@code /session/{id}},
 * {@code /other}); remote addresses are never tags. Bytes that flow after a WebSocket upgrade are
 * recorded per connection, not per request, and carry the tag {@code uri="none"}.
 */
final class NettyServerMeters implements HttpServerMetricsRecorder {
    private static final String PREFIX = "reactor.netty.http.server.";
    private final MeterRegistry registry;
    private final AtomicLong connections = new AtomicLong();
    private final AtomicLong active = new AtomicLong();
    private final Map<String, DistributionSummary> received = new ConcurrentHashMap<>();
    private final Map<String, DistributionSummary> sent = new ConcurrentHashMap<>();
    private final Map<String, Counter> errors = new ConcurrentHashMap<>();
    // Timers whose tags vary per request: built once, looked up by tags per response.
    private final Meter.MeterProvider<Timer> dataReceivedTime;
    private final Meter.MeterProvider<Timer> dataSentTime;
    private final Meter.MeterProvider<Timer> responseTime;
    private final Meter.MeterProvider<Timer> tlsHandshakeTime;

    NettyServerMeters(MeterRegistry registry) {
        this.registry = registry;
        this.dataReceivedTime = Timer.builder(PREFIX + "data.received.time").withRegistry(registry);
        this.dataSentTime = Timer.builder(PREFIX + "data.sent.time").withRegistry(registry);
        this.responseTime = Timer.builder(PREFIX + "response.time").withRegistry(registry);
        this.tlsHandshakeTime = Timer.builder(PREFIX + "tls.handshake.time").withRegistry(registry);
        Gauge.builder(PREFIX + "connections.total", connections, AtomicLong::get)
                .description("Connections open now").register(registry);
        Gauge.builder(PREFIX + "connections.active", active, AtomicLong::get)
                .description("Connections with a request or WebSocket in progress now").register(registry);
    }

    @Override
    public void recordDataReceived(SocketAddress remote, String uri, long bytes) {
        received.computeIfAbsent(uri, u -> DistributionSummary.builder(PREFIX + "data.received")
                .description("Bytes received per request").baseUnit("bytes").tag("uri", u).register(registry))
                .record(bytes);
    }

    @Override
    public void recordDataSent(SocketAddress remote, String uri, long bytes) {
        sent.computeIfAbsent(uri, u -> DistributionSummary.builder(PREFIX + "data.sent")
                .description("Bytes sent per response").baseUnit("bytes").tag("uri", u).register(registry))
                .record(bytes);
    }

    @Override
    public void incrementErrorsCount(SocketAddress remote, String uri) {
        errors.computeIfAbsent(uri, u -> Counter.builder(PREFIX + "errors")
                .description("Errors on connections").tag("uri", u).register(registry)).increment();
    }

    @Override
    public void recordDataReceivedTime(String uri, String method, Duration time) {
        dataReceivedTime.withTags("uri", uri, "method", method).record(time);
    }

    @Override
    public void recordDataSentTime(String uri, String method, String status, Duration time) {
        dataSentTime.withTags("uri", uri, "method", method, "status", status).record(time);
    }

    @Override
    public void recordResponseTime(String uri, String method, String status, Duration time) {
        responseTime.withTags("uri", uri, "method", method, "status", status).record(time);
    }

    @Override
    public void recordDataReceived(SocketAddress remote, long bytes) {
        recordDataReceived(remote, "none", bytes);
    }

    @Override
    public void recordDataSent(SocketAddress remote, long bytes) {
        recordDataSent(remote, "none", bytes);
    }

    @Override
    public void incrementErrorsCount(SocketAddress remote) {
        incrementErrorsCount(remote, "none");
    }

    @Override
    public void recordTlsHandshakeTime(SocketAddress remote, Duration time, String status) {
        tlsHandshakeTime.withTags("status", status).record(time);
    }

    @Override
    public void recordConnectTime(SocketAddress remote, Duration time, String status) {
        // Client-side only.
    }

    @Override
    public void recordResolveAddressTime(SocketAddress remote, Duration time, String status) {
        // Client-side only.
    }

    @Override
    public void recordServerConnectionOpened(SocketAddress local) {
        connections.incrementAndGet();
    }

    @Override
    public void recordServerConnectionClosed(SocketAddress local) {
        connections.decrementAndGet();
    }

    @Override
    public void recordServerConnectionActive(SocketAddress local) {
        active.incrementAndGet();
    }

    @Override
    public void recordServerConnectionInactive(SocketAddress local) {
        active.decrementAndGet();
    }
}
