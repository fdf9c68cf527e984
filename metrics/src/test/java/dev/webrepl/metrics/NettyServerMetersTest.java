package dev.webrepl.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Reactor Netty's server events, under Reactor Netty's names, in the registry given. */
class NettyServerMetersTest {
    private static final SocketAddress PEER = InetSocketAddress.createUnresolved("client", 50000);
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final NettyServerMeters meters = new NettyServerMeters(registry);

    private double gauge(String name) {
        return registry.get(name).gauge().value();
    }

    @Test
    void connectionGaugesFollowOpenAndCloseAndActiveAndInactive() {
        assertEquals(0, gauge("reactor.netty.http.server.connections.total"));
        meters.recordServerConnectionOpened(PEER);
        meters.recordServerConnectionOpened(PEER);
        meters.recordServerConnectionActive(PEER);
        assertEquals(2, gauge("reactor.netty.http.server.connections.total"));
        assertEquals(1, gauge("reactor.netty.http.server.connections.active"));
        meters.recordServerConnectionInactive(PEER);
        meters.recordServerConnectionClosed(PEER);
        assertEquals(1, gauge("reactor.netty.http.server.connections.total"));
        assertEquals(0, gauge("reactor.netty.http.server.connections.active"));
    }

    @Test
    void dataIsASummaryPerUriAndUnknownUrisAreNone() {
        meters.recordDataReceived(PEER, "/", 100);
        meters.recordDataReceived(PEER, "/", 50);
        meters.recordDataReceived(PEER, 7);
        meters.recordDataSent(PEER, "/session/{id}", 300);
        meters.recordDataSent(PEER, 9);

        DistributionSummary root = registry.get("reactor.netty.http.server.data.received").tags("uri", "/").summary();
        assertEquals(2, root.count());
        assertEquals(150, root.totalAmount());
        assertEquals("bytes", root.getId().getBaseUnit());
        assertEquals(7, registry.get("reactor.netty.http.server.data.received").tags("uri", "none").summary()
                .totalAmount());
        assertEquals(300, registry.get("reactor.netty.http.server.data.sent").tags("uri", "/session/{id}").summary()
                .totalAmount());
        assertEquals(9, registry.get("reactor.netty.http.server.data.sent").tags("uri", "none").summary()
                .totalAmount());
    }

    @Test
    void errorsCountPerUri() {
        meters.incrementErrorsCount(PEER, "/");
        meters.incrementErrorsCount(PEER, "/");
        meters.incrementErrorsCount(PEER);
        assertEquals(2, registry.get("reactor.netty.http.server.errors").tags("uri", "/").counter().count());
        assertEquals(1, registry.get("reactor.netty.http.server.errors").tags("uri", "none").counter().count());
    }

    @Test
    void timesAreTaggedByUriMethodAndStatus() {
        meters.recordResponseTime("/", "GET", "101", Duration.ofMillis(3));
        meters.recordDataReceivedTime("/", "GET", Duration.ofMillis(1));
        meters.recordDataSentTime("/other", "GET", "200", Duration.ofMillis(2));
        meters.recordTlsHandshakeTime(PEER, Duration.ofMillis(4), "SUCCESS");

        Timer response = registry.get("reactor.netty.http.server.response.time")
                .tags("uri", "/", "method", "GET", "status", "101").timer();
        assertEquals(1, response.count());
        assertEquals(3, response.totalTime(TimeUnit.MILLISECONDS));
        assertEquals(1, registry.get("reactor.netty.http.server.data.received.time")
                .tags("uri", "/", "method", "GET").timer().count());
        assertEquals(1, registry.get("reactor.netty.http.server.data.sent.time")
                .tags("uri", "/other", "method", "GET", "status", "200").timer().count());
        assertEquals(4, registry.get("reactor.netty.http.server.tls.handshake.time").tags("status", "SUCCESS")
                .timer().totalTime(TimeUnit.MILLISECONDS));
    }

    @Test
    void clientSideEventsRecordNothing() {
        int before = registry.getMeters().size();
        meters.recordConnectTime(PEER, Duration.ofMillis(1), "SUCCESS");
        meters.recordResolveAddressTime(PEER, Duration.ofMillis(1), "SUCCESS");
        assertEquals(before, registry.getMeters().size());
    }
}
