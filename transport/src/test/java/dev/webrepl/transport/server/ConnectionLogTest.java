package dev.webrepl.transport.server;

import static dev.webrepl.transport.conformance.RawWebSocket.ascii;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import dev.webrepl.testkit.LogCapture;
import dev.webrepl.transport.conformance.RawWebSocket;
import dev.webrepl.transport.conformance.ServerTestBase;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 17 item 15: a WebSocket connection logs one INFO line when it ends (README "Logs"), saying how
 * it ended, its terminal, how long it lasted and the data bytes each way, with the session and the peer
 * as MDC fields; the attach is a DEBUG line.
 */
class ConnectionLogTest extends ServerTestBase {
    /** What the server sends the echo engine's terminal: the prompt, the login frame, the session line. */
    private static final int LOGIN_BYTES_OUT = "Password: ".length() + "\r\nWebREPL connected\r\n>>> ".length()
            + "\r\nwebrepl: session /session/\r\n".length();
    private LogCapture log;

    @BeforeEach
    void recordLog() {
        log = LogCapture.of("dev.webrepl.transport.server", Level.DEBUG);
    }

    @AfterEach
    void stopRecording() {
        log.close();
    }

    /** The INFO lines once the connection's line has come (it is the last thing a connection logs). */
    private List<LogCapture.Line> infoLinesAfterTheEnd() {
        await("the connection's line", () -> log.lines().stream().anyMatch(l -> l.level().equals("INFO")));
        await("the connection is gone", () -> server.openConnections() == 0);
        return log.lines().stream().filter(l -> !l.level().equals("DEBUG")).toList();
    }

    private static void assertMatches(String regex, String actual) {
        assertTrue(Pattern.matches(regex, actual), "expected /" + regex + "/, got: " + actual);
    }

    @Test
    void aTerminalTheClientClosesIsOneLineWithSessionAndPeer() throws IOException {
        RawWebSocket c = loggedIn();
        String id = c.sessionId();
        String peer = "127.0.0.1:" + c.localPort();

        c.send(RawWebSocket.frame(0x88, ascii("\u0003\u00e8bye")));
        assertEquals("bye", c.expectClose(1000));
        c.expectEof();

        List<LogCapture.Line> lines = infoLinesAfterTheEnd();
        assertEquals(1, lines.size(), lines.toString());
        LogCapture.Line line = lines.get(0);
        assertEquals(List.of("INFO", id, peer), List.of(line.level(), line.session(), line.peer()));
        assertMatches("connection closed by the client with 1000 \"bye\", terminal 0 \\(read-write\\), \\d+\\.\\d{3} s, "
                + (PASSWORD + "\r").length() + " bytes in, " + (LOGIN_BYTES_OUT + id.length()) + " bytes out",
                line.message());
        assertEquals(new LogCapture.Line("DEBUG", "terminal 0 (read-write) attached", id, peer), log.lines().get(0));
    }

    @Test
    void aClientThatOnlyClosesTcpIsOneLine() throws IOException {
        RawWebSocket c = loggedIn();
        String id = c.sessionId();
        String peer = "127.0.0.1:" + c.localPort();

        c.close();

        List<LogCapture.Line> lines = infoLinesAfterTheEnd();
        assertEquals(1, lines.size(), lines.toString());
        assertEquals(List.of(id, peer), List.of(lines.get(0).session(), lines.get(0).peer()));
        assertMatches("connection closed by the client without a close frame, terminal 0 \\(read-write\\), "
                + "\\d+\\.\\d{3} s, 7 bytes in, " + (LOGIN_BYTES_OUT + id.length()) + " bytes out", lines.get(0).message());
    }

    @Test
    void anInvalidCloseCodeIsOneLineNamingTheProtocolError() throws IOException {
        RawWebSocket c = loggedIn();
        String id = c.sessionId();

        c.send(RawWebSocket.frame(0x88, new byte[] {0x03, (byte) 0xe7}));  // 999: not a code a client may send
        assertEquals("invalid close code 999", c.expectClose(1002));
        c.expectEof();

        List<LogCapture.Line> lines = infoLinesAfterTheEnd();
        assertEquals(1, lines.size(), lines.toString());
        assertMatches("connection closed on a protocol error: invalid close code 999, terminal 0 \\(read-write\\), "
                + "\\d+\\.\\d{3} s, 7 bytes in, " + (LOGIN_BYTES_OUT + id.length()) + " bytes out", lines.get(0).message());
    }

    @Test
    void aWrongPasswordIsOneLineWithoutASession() throws IOException {
        RawWebSocket c = connect().handshake();
        String peer = "127.0.0.1:" + c.localPort();

        c.send(RawWebSocket.frame(0x82, ascii("guess\r")));
        c.expect(RawWebSocket.DENIED_FRAME);
        c.expectEof();

        List<LogCapture.Line> lines = infoLinesAfterTheEnd();
        assertEquals(1, lines.size(), lines.toString());
        assertEquals(List.of("INFO", peer), List.of(lines.get(0).level(), lines.get(0).peer()));
        assertEquals(null, lines.get(0).session());
        assertMatches("connection refused: wrong password; answer delayed 500 ms, \\d+\\.\\d{3} s, 6 bytes in, "
                + ("Password: " + "\r\nAccess denied\r\n").length() + " bytes out", lines.get(0).message());
    }

    @Test
    void noPasswordInTimeIsOneLine() throws IOException {
        restartWith(o -> o.withSecurity(o.security().withTimeouts(Duration.ofSeconds(10), Duration.ofMillis(300))));
        RawWebSocket c = connect().handshake();
        String peer = "127.0.0.1:" + c.localPort();

        assertEquals("login timed out", c.expectClose(1008));

        List<LogCapture.Line> lines = infoLinesAfterTheEnd();
        assertEquals(1, lines.size(), lines.toString());
        assertEquals(peer, lines.get(0).peer());
        assertMatches("connection refused: no password within 300 ms, \\d+\\.\\d{3} s, 0 bytes in, 10 bytes out",
                lines.get(0).message());
    }

    @Test
    void aConnectionOverThePerAddressLimitIsOneLine() throws IOException {
        restartWith(o -> o.withSecurity(o.security().withMaxConnectionsPerAddress(1)));
        RawWebSocket first = connect().handshake();
        RawWebSocket second = track(RawWebSocket.connect(server.port()));
        String peer = "127.0.0.1:" + second.localPort();

        second.send(RawWebSocket.request("/"));
        second.expect(RawWebSocket.CLI_RESPONSE);
        assertEquals("too many connections from this address", second.expectClose(1013));

        await("the refused connection's line", () -> !log.lines().isEmpty());
        first.close();
        await("both connections are gone", () -> server.openConnections() == 0 && log.lines().size() == 2);
        List<LogCapture.Line> refused = log.lines().stream().filter(l -> peer.equals(l.peer())).toList();
        assertEquals(1, refused.size(), log.lines().toString());
        assertMatches("connection refused: 1 connections from this address already, \\d+\\.\\d{3} s, 0 bytes in, "
                + "0 bytes out", refused.get(0).message());
    }

    @Test
    void anAttachToNoSuchSessionIsOneLineNamingTheSessionAskedFor() throws IOException {
        String id = "AAAAAAAAAAAAAAAAAAAAAA";
        RawWebSocket c = connect().handshake("/session/" + id);
        String peer = "127.0.0.1:" + c.localPort();

        c.send(RawWebSocket.frame(0x82, ascii(PASSWORD + "\r")));
        c.expectRefusal("no such session: " + id, 1008);

        List<LogCapture.Line> lines = infoLinesAfterTheEnd();
        assertEquals(1, lines.size(), lines.toString());
        assertEquals(List.of(id, peer), List.of(lines.get(0).session(), lines.get(0).peer()));
        assertMatches("connection refused: no such session: " + id + ", \\d+\\.\\d{3} s, 7 bytes in, "
                + ("Password: \r\nWebREPL connected\r\n>>> \r\nno such session: " + id + "\r\n").length() + " bytes out",
                lines.get(0).message());
    }
}
