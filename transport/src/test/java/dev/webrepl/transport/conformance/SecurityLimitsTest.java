package dev.webrepl.transport.conformance;

import static dev.webrepl.transport.conformance.RawWebSocket.CLI_REQUEST;
import static dev.webrepl.transport.conformance.RawWebSocket.CLI_RESPONSE;
import static dev.webrepl.transport.conformance.RawWebSocket.DENIED_FRAME;
import static dev.webrepl.transport.conformance.RawWebSocket.PROMPT_FRAME;
import static dev.webrepl.transport.conformance.RawWebSocket.ascii;
import static dev.webrepl.transport.conformance.RawWebSocket.frame;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.webrepl.core.protocol.ConnectionRecorder;
import dev.webrepl.transport.client.ConnectionLostException;
import dev.webrepl.transport.client.ReplConnection;
import dev.webrepl.transport.client.ServerClose;
import dev.webrepl.transport.client.WebReplClient;
import dev.webrepl.transport.server.SecurityOptions;
import dev.webrepl.transport.server.ServerOptions;
import java.io.IOException;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * README "Security" on the wire: lockout per address, the Origin rule, the handshake and login
 * timeouts, the header, frame and per-address limits, each with its close code or status and its
 * counted event. Delays and timeouts are configured small so the tests stay short.
 */
class SecurityLimitsTest extends ServerTestBase {
    private static final int MAX_FAILURES = 3;
    private static final int HARD_FAILURES = 6;
    private static final String ALLOWED = "https://ide.example";

    private final Map<String, AtomicInteger> refused = new ConcurrentHashMap<>();
    private final AtomicInteger lockouts = new AtomicInteger();

    @Override
    protected ServerOptions configure(ServerOptions options) {
        return options.withMaxFramePayloadLength(1000)
                .withRecorder(new ConnectionRecorder() {
                    @Override
                    public void lockedOut() {
                        lockouts.incrementAndGet();
                    }

                    @Override
                    public void refused(String reason) {
                        refused.computeIfAbsent(reason, r -> new AtomicInteger()).incrementAndGet();
                    }
                })
                .withSecurity(SecurityOptions.DEFAULTS
                        .withLoginFailures(MAX_FAILURES, Duration.ofHours(1))
                        .withHardLockoutFailures(HARD_FAILURES)
                        .withFailureDelay(Duration.ofMillis(1), Duration.ofMillis(4))
                        .withAllowedOrigins(List.of(ALLOWED))
                        .withTimeouts(Duration.ofMillis(500), Duration.ofSeconds(30))
                        .withMaxHeaderBytes(1024)
                        .withMaxConnectionsPerAddress(4));
    }

    private int refusedFor(String reason) {
        AtomicInteger n = refused.get(reason);
        return n == null ? 0 : n.get();
    }

    private void failLogin(RawWebSocket c) throws IOException {
        c.send(frame(0x82, ascii("wrong\r")));
        c.expect(DENIED_FRAME);
        c.expectEof();
    }

    /** Typos on loopback (every local user's address) slow the answers down but never keep the right password out. */
    @Test
    void pastMaxFailuresTheAddressIsDelayedButTheRightPasswordStillLogsIn() throws IOException {
        for (int i = 0; i < HARD_FAILURES - 1; i++) {
            try (RawWebSocket c = RawWebSocket.connect(server.port())) {
                failLogin(c.handshake());
            }
        }
        try (RawWebSocket ok = RawWebSocket.connect(server.port())) {
            ok.login(PASSWORD);
        }
        assertEquals(0, lockouts.get());
        assertEquals(0, refusedFor("locked-out"));
        // The success cleared the address: as many failures again still do not lock it.
        for (int i = 0; i < HARD_FAILURES - 1; i++) {
            try (RawWebSocket c = RawWebSocket.connect(server.port())) {
                failLogin(c.handshake());
            }
        }
        try (RawWebSocket ok = RawWebSocket.connect(server.port())) {
            ok.login(PASSWORD);
        }
        assertEquals(0, lockouts.get());
    }

    @Test
    void hardFailuresLockTheAddressOutWith1008RightAfterTheUpgrade() throws IOException {
        for (int i = 0; i < HARD_FAILURES; i++) {
            try (RawWebSocket c = RawWebSocket.connect(server.port())) {
                failLogin(c.handshake());
            }
        }
        assertEquals(1, lockouts.get());
        try (RawWebSocket c = RawWebSocket.connect(server.port())) {
            c.send(CLI_REQUEST);
            c.expect(CLI_RESPONSE);
            assertEquals("too many failed logins; try again later", c.expectClose(1008));
            c.expectEof();
        }
        assertEquals(1, refusedFor("locked-out"));
        assertEquals(1, lockouts.get(), "one lockout, however many refusals");
    }

    /** The admin listener's POST /lockouts/clear calls this: the right password logs in again at once. */
    @Test
    void clearingTheLockoutLetsTheRightPasswordIn() throws IOException {
        for (int i = 0; i < HARD_FAILURES; i++) {
            try (RawWebSocket c = RawWebSocket.connect(server.port())) {
                failLogin(c.handshake());
            }
        }
        assertEquals(0, server.clearLockouts(InetAddress.getByName("127.0.0.2")), "another address: nothing lifted");
        try (RawWebSocket c = RawWebSocket.connect(server.port())) {
            c.send(CLI_REQUEST);
            c.expect(CLI_RESPONSE);
            assertEquals("too many failed logins; try again later", c.expectClose(1008));
        }
        assertEquals(1, server.clearLockouts(InetAddress.getLoopbackAddress()));
        try (RawWebSocket ok = RawWebSocket.connect(server.port())) {
            ok.login(PASSWORD);
        }
    }

    @Test
    void anotherAddressStillLogsInDuringALockout() throws IOException {
        for (int i = 0; i < HARD_FAILURES; i++) {
            try (RawWebSocket c = RawWebSocket.connect(server.port())) {
                failLogin(c.handshake());
            }
        }
        try (RawWebSocket other = RawWebSocket.connectFrom(server.port(), "127.0.0.2")) {
            other.login(PASSWORD);
        }
        assertEquals(1, lockouts.get());
    }

    @Test
    void aConnectionOpenedBeforeTheLockoutIsDeniedEvenWithTheRightPassword() throws IOException {
        try (RawWebSocket early = RawWebSocket.connect(server.port())) {
            early.handshake();
            for (int i = 0; i < HARD_FAILURES; i++) {
                try (RawWebSocket c = RawWebSocket.connect(server.port())) {
                    failLogin(c.handshake());
                }
            }
            early.send(frame(0x82, ascii(PASSWORD + "\r")));
            early.expect(DENIED_FRAME);
            early.expectEof();
        }
    }

    @Test
    void aSuccessClearsTheFailures() throws IOException {
        for (int i = 0; i < HARD_FAILURES - 1; i++) {
            try (RawWebSocket c = RawWebSocket.connect(server.port())) {
                failLogin(c.handshake());
            }
        }
        try (RawWebSocket ok = RawWebSocket.connect(server.port())) {
            ok.login(PASSWORD);
        }
        for (int i = 0; i < HARD_FAILURES - 1; i++) {
            try (RawWebSocket c = RawWebSocket.connect(server.port())) {
                failLogin(c.handshake());
            }
        }
        try (RawWebSocket ok = RawWebSocket.connect(server.port())) {
            ok.login(PASSWORD);
        }
        assertEquals(0, lockouts.get());
    }

    private static byte[] upgrade(String host, String origin) {
        return ascii("GET / HTTP/1.1\r\nHost: " + host + "\r\n" + (origin == null ? "" : "Origin: " + origin + "\r\n")
                + "Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Key: foo\r\n\r\n");
    }

    @Test
    void aSameOriginUpgradeIsAccepted() throws IOException {
        String host = "127.0.0.1:" + server.port();
        RawWebSocket c = connect();
        c.send(upgrade(host, "http://" + host));
        c.expect(CLI_RESPONSE);
        c.expect(PROMPT_FRAME);
    }

    @Test
    void anAllowedOriginIsAccepted() throws IOException {
        RawWebSocket c = connect();
        c.send(upgrade("127.0.0.1:" + server.port(), ALLOWED));
        c.expect(CLI_RESPONSE);
        c.expect(PROMPT_FRAME);
    }

    @Test
    void aForeignOriginGets403AndIsCounted() throws IOException {
        RawWebSocket c = connect();
        c.send(upgrade("127.0.0.1:" + server.port(), "http://evil.example"));
        String head = c.readHttpHead();
        assertEquals("HTTP/1.1 403 Forbidden", head.lines().findFirst().orElseThrow());
        assertEquals("origin not allowed\n", new String(c.readExactly(19), java.nio.charset.StandardCharsets.UTF_8));
        assertEquals(1, refusedFor("origin"));
    }

    @Test
    void aPartialRequestIsClosedAfterTheHandshakeTimeout() throws IOException {
        RawWebSocket c = connect();
        c.send(ascii("GET / HT"));
        c.expectEof();
        assertEquals(1, refusedFor("handshake-timeout"));
    }

    @Test
    void noPasswordWithinTheLoginTimeoutCloses1008() throws IOException {
        restartWith(o -> configure(o).withSecurity(configure(o).security()
                .withTimeouts(Duration.ofMillis(500), Duration.ofMillis(300))));
        RawWebSocket c = connect().handshake();
        assertEquals("login timed out", c.expectClose(1008));
        c.expectEof();
        assertEquals(1, refusedFor("login-timeout"));
    }

    @Test
    void aRequestHeadOverTheLimitIsRefusedAndCounted() throws IOException {
        RawWebSocket c = connect();
        c.send(ascii("GET / HTTP/1.1\r\nHost: x\r\nX-Padding: " + "a".repeat(2000) + "\r\n"
                + "Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Key: foo\r\n\r\n"));
        String head = c.readHttpHead();
        assertEquals("HTTP/1.1 431 Request Header Fields Too Large", head.lines().findFirst().orElseThrow());
        assertEquals(1, refusedFor("header-too-large"));
    }

    @Test
    void aFrameOverTheLimitCloses1009() throws IOException {
        RawWebSocket c = connect().login(PASSWORD);
        c.send(frame(0x82, new byte[1001]));
        assertEquals(1009, c.skipToClose());
    }

    @Test
    void theJavaClientsLoginFailsWithTheServersCloseStatus() throws Exception {
        for (int i = 0; i < 4; i++) {
            connect().handshake();
        }
        try (WebReplClient client = WebReplClient.newClient()) {
            ReplConnection c = client.connect("127.0.0.1", server.port()).get(10, TimeUnit.SECONDS);
            ExecutionException failed = assertThrows(ExecutionException.class,
                    () -> c.login(PASSWORD).get(10, TimeUnit.SECONDS));
            ConnectionLostException lost = assertInstanceOf(ConnectionLostException.class, failed.getCause());
            ServerClose close = new ServerClose(1013, "too many connections from this address");
            assertEquals(Optional.of(close), lost.serverClose());
            assertEquals("connection to 127.0.0.1:" + server.port() + " closed by the server: "
                    + "1013 too many connections from this address", lost.getMessage());
            assertEquals(Optional.of(close), c.serverClose());
        }
    }

    @Test
    void connectionsPerAddressOverTheLimitClose1013() throws IOException {
        for (int i = 0; i < 4; i++) {
            connect().handshake();
        }
        RawWebSocket c = connect();
        c.send(CLI_REQUEST);
        c.expect(CLI_RESPONSE);
        assertEquals("too many connections from this address", c.expectClose(1013));
        c.expectEof();
        assertEquals(1, refusedFor("per-address-limit"));
        try (RawWebSocket other = RawWebSocket.connectFrom(server.port(), "127.0.0.2")) {
            other.handshake();
        }
    }

    /**
     * A client that sends requests for a large asset and never reads the answers: the answer is not
     * out within the handshake timeout, so the connection is closed (before, the clock stopped at the
     * first answer's head and the connection, with megabytes of kernel buffers, stayed for ever).
     */
    @Test
    void aClientThatNeverReadsItsAnswersIsClosedAfterTheHandshakeTimeout() throws IOException {
        RawWebSocket c = RawWebSocket.connect(server.port(), 1024);
        track(c);
        c.send(ascii("GET /assets/xterm.js HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".repeat(30)));
        await("the connection is closed for not taking its answers", () -> refusedFor("handshake-timeout") == 1);
    }

    /**
     * Connections still in the HTTP stage count against their address's cap from the moment they are
     * accepted: past it the next one is closed at once (another address is not affected).
     */
    @Test
    void connectionsWaitingInTheHttpStagePastTheCapAreClosedAtOnce() throws IOException {
        // A long handshake timeout, so none of the waiting connections leaves on its own meanwhile.
        restartWith(o -> configure(o).withSecurity(configure(o).security()
                .withTimeouts(Duration.ofSeconds(60), Duration.ofSeconds(30))));
        List<RawWebSocket> waiting = new java.util.ArrayList<>();
        for (int i = 0; i < 5; i++) {
            waiting.add(connect());
        }
        await("one connection over the cap of 4 is refused", () -> refusedFor("per-address-limit") == 1);
        try (RawWebSocket other = RawWebSocket.connectFrom(server.port(), "127.0.0.2")) {
            other.handshake();
        }
        assertEquals(1, refusedFor("per-address-limit"));
        assertEquals(5, waiting.size());
    }

    /**
     * A browser connection (any Origin; a sandboxed frame of any site sends Origin null) that guesses
     * wrong locks out only the browser connections of its address: the CLI on the same address still
     * logs in, so a web page cannot lock a machine's own users out.
     */
    @Test
    void browserFailuresLockOutBrowsersOnlyNotTheClisOfTheSameAddress() throws IOException {
        byte[] browserUpgrade = ascii("GET / HTTP/1.1\r\nHost: 127.0.0.1:" + server.port() + "\r\nOrigin: " + ALLOWED
                + "\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Key: foo\r\n\r\n");
        for (int i = 0; i < HARD_FAILURES; i++) {
            try (RawWebSocket c = RawWebSocket.connect(server.port())) {
                c.send(browserUpgrade);
                c.expect(CLI_RESPONSE);
                c.expect(PROMPT_FRAME);
                failLogin(c);
            }
        }
        assertEquals(1, lockouts.get());
        try (RawWebSocket c = RawWebSocket.connect(server.port())) {
            c.send(browserUpgrade);
            c.expect(CLI_RESPONSE);
            assertEquals("too many failed logins; try again later", c.expectClose(1008));
        }
        try (RawWebSocket cli = RawWebSocket.connect(server.port())) {
            cli.login(PASSWORD);
        }
    }
}
