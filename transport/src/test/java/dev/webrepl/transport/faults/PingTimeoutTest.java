package dev.webrepl.transport.faults;

import static dev.webrepl.transport.conformance.RawWebSocket.ascii;
import static dev.webrepl.transport.conformance.RawWebSocket.frame;
import static dev.webrepl.transport.conformance.RawWebSocket.masked;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.webrepl.dupterm.SessionConfig;
import dev.webrepl.dupterm.SessionRecorder;
import dev.webrepl.dupterm.SessionRegistry;
import dev.webrepl.engines.echo.EchoEvaluator;
import dev.webrepl.transport.conformance.RawWebSocket;
import dev.webrepl.transport.conformance.ServerTestBase;
import dev.webrepl.transport.server.ServerOptions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Half-open connections (issue #9): the server pings every interval; a client that answered a
 * ping and then falls silent is closed after the ping timeout and its terminal leaves as gone,
 * while a legacy client that never answers pings (webrepl_cli.py, spec §1.2) is left alone.
 */
@Timeout(60)
class PingTimeoutTest extends ServerTestBase {
    private static final Duration INTERVAL = Duration.ofMillis(100);
    private static final Duration TIMEOUT = Duration.ofMillis(300);
    private final List<String> deactivations = new CopyOnWriteArrayList<>();

    @Override
    protected ServerOptions configure(ServerOptions options) {
        return options.withPings(INTERVAL, TIMEOUT);
    }

    @Override
    protected SessionRegistry newRegistry() {
        return new SessionRegistry(EchoEvaluator::engine, new SecureRandom(),
                SessionConfig.DEFAULTS.withLinger(Duration.ofMinutes(1)), new SessionRecorder() {
                    @Override
                    public void terminalDeactivated(String cause) {
                        deactivations.add(cause);
                    }
                });
    }

    /** The next frame that is not a ping; every ping met on the way is answered if {@code answer}. */
    private static RawWebSocket.Frame nextNonPing(RawWebSocket c, boolean answer, int[] pings) throws IOException {
        // A bound, not an expectation: pings never stop, so a missing frame must not wait forever.
        for (int skipped = 0; skipped < 100; skipped++) {
            RawWebSocket.Frame f = c.readFrame();
            if (f.opcode() != 9) {
                return f;
            }
            assertEquals(0, f.payload().length, "pings are empty (spec §1.3)");
            pings[0]++;
            if (answer) {
                c.send(masked(0x8A, f.payload()));
            }
        }
        throw new AssertionError("only pings arrived");
    }

    /** Reads exactly {@code n} frames, which must be pings; answers them if {@code answer}. */
    private static void readPings(RawWebSocket c, int n, boolean answer) throws IOException {
        for (int i = 0; i < n; i++) {
            RawWebSocket.Frame f = c.readFrame();
            assertEquals(9, f.opcode(), "expected a ping, got " + f);
            if (answer) {
                c.send(masked(0x8A, f.payload()));
            }
        }
    }

    /**
     * A browser's (RFC 6455) handshake and the password, with pings possibly in between the server's
     * frames; returns the session id. (The CLI's handshake gets no pings at all: see below.)
     */
    private String login(RawWebSocket c, boolean answer, int[] pings) throws IOException {
        c.send(ascii("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
                + "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"));
        String head = c.readHttpHead();
        assertEquals("HTTP/1.1 101 Switching Protocols", head.lines().findFirst().orElseThrow(), head);
        assertEquals("Password: ", text(nextNonPing(c, answer, pings)));
        c.send(frame(0x82, ascii(PASSWORD + "\r")));
        assertEquals("\r\nWebREPL connected\r\n>>> ", text(nextNonPing(c, answer, pings)));
        String line = text(nextNonPing(c, answer, pings));
        java.util.regex.Matcher m = RawWebSocket.SESSION_LINE.matcher(line);
        assertTrue(m.matches(), line);
        return m.group(1);
    }

    private static String text(RawWebSocket.Frame f) {
        assertEquals(1, f.opcode(), "expected text, got " + f);
        return new String(f.payload(), StandardCharsets.UTF_8);
    }

    @Test
    @DisplayName("a client that answered a ping, then answers nothing, is closed with 1001 and its terminal leaves as gone")
    void silentClientIsClosedAfterThePingTimeout() throws Exception {
        RawWebSocket c = connect();
        int[] pings = {0};
        String id = login(c, true, pings);
        readPings(c, 1, true);
        // From now on the client reads but never answers: a peer whose side is gone.
        RawWebSocket.Frame close = nextNonPing(c, false, pings);
        assertEquals(8, close.opcode(), "expected the close frame, got " + close);
        assertEquals(1001, ((close.payload()[0] & 0xFF) << 8) | (close.payload()[1] & 0xFF));
        assertEquals("no answer to ping", new String(close.payload(), 2, close.payload().length - 2,
                StandardCharsets.UTF_8));
        c.expectEof();
        await("the terminal has left", () -> server.sessions().find(id).map(s -> s.terminals() == 0).orElse(true));
        assertEquals(List.of("peer-gone"), deactivations);
        // The server carries on.
        RawWebSocket other = connect();
        assertTrue(login(other, true, new int[1]).length() > 0);
    }

    @Test
    @DisplayName("a legacy client that never answers pings is not timed out, and pings do not disturb its data")
    void clientThatNeverAnswersPingsIsLeftAlone() throws Exception {
        RawWebSocket c = connect();
        int[] pings = {0};
        login(c, false, pings);
        // Four pings cover more than the timeout (three intervals) with nothing sent by the client.
        readPings(c, 4, false);
        c.send(frame(0x81, ascii("1\r")));
        StringBuilder echoed = new StringBuilder();
        while (!echoed.toString().endsWith(">>> ")) {
            echoed.append(text(nextNonPing(c, false, pings)));
        }
        assertTrue(echoed.toString().startsWith("1\r\n"), echoed.toString());
        assertEquals(List.of(), deactivations);
    }

    /**
     * Issue #16 point 1: webrepl_cli's REPL skips a ping and then blocks for the next frame, no longer
     * reading the keyboard. A connection made with its handshake is never sent one: a browser-style
     * connection opened after it gets its ping (so more than a ping interval has passed for the CLI's
     * too), and then the CLI's typed line is answered with nothing but text before it.
     */
    @Test
    @DisplayName("the official CLI's connection is never sent a ping")
    void theOfficialClisConnectionIsNeverSentAPing() throws Exception {
        RawWebSocket cli = loggedIn();
        RawWebSocket browser = connect();
        login(browser, true, new int[1]);
        readPings(browser, 1, true);

        cli.send(frame(0x81, ascii("1\r")));
        StringBuilder echoed = new StringBuilder();
        while (!echoed.toString().endsWith(">>> ")) {
            echoed.append(text(cli.readFrame()));
        }
        assertEquals("1\r\n1\r\n>>> ", echoed.toString());
    }
}
