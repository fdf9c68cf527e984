package dev.webrepl.transport.clients;

import static dev.webrepl.transport.conformance.RawWebSocket.ascii;
import static dev.webrepl.transport.conformance.RawWebSocket.masked;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.webrepl.testkit.clients.OfficialCli;
import dev.webrepl.transport.conformance.RawWebSocket;
import dev.webrepl.transport.conformance.ServerTestBase;
import dev.webrepl.transport.server.ServerOptions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * MicroPython's official CLI ({@link OfficialCli}, issue #16) against a server that pings every 100 ms:
 * its REPL still answers typing after idling for several ping intervals, and its PUT and GET move a
 * file of several frames and chunks byte for byte.
 */
@Timeout(60)
class OfficialCliTest extends ServerTestBase {
    private static final Duration PING_INTERVAL = Duration.ofMillis(100);
    private static final Duration BOUND = Duration.ofSeconds(10);
    private static final int GET_CHUNK = 1000;

    @Override
    protected ServerOptions configure(ServerOptions options) {
        return options.withPings(PING_INTERVAL, Duration.ofMillis(300)).withGetChunkSize(GET_CHUNK);
    }

    private OfficialCli cli() throws IOException {
        return OfficialCli.connect("127.0.0.1", server.port(), BOUND);
    }

    /**
     * If the server pinged the CLI's connection (as it pings the browser's: {@code withPings} above), the
     * first ping would come within 100 ms of the login; the REPL loop would skip it and block in
     * {@code recv()} for the next frame, and then skip every further ping the same way, never reading the
     * keyboard again. The typed line would stay unsent and {@code awaitScreenEndingWith} would fail with
     * "blocked in recv() after skipping a frame 89" (or, once the ping timeout closed the connection, with
     * an EOF). So this test fails whenever the CLI is sent pings.
     */
    @Test
    void theReplAnswersTypingAfterIdlingForSeveralPingIntervals() throws Exception {
        try (OfficialCli cli = cli()) {
            assertArrayEquals(toInts(server.options().version()), cli.login(PASSWORD));
            OfficialCli.Terminal terminal = cli.repl();

            // The signal that the CLI has idled for at least three ping intervals: a browser connection
            // opened after it has received its third ping.
            RawWebSocket browser = connect();
            browserLogin(browser);
            awaitPings(browser, 3);

            // What the screen shows before typing (a prompt the engine printed at login, if any) stays as it is.
            String before = terminal.screen();
            terminal.type("1+1\r");
            assertEquals(before + "1+1\r\n1+1\r\n>>> ", terminal.awaitScreenEndingWith("1+1\r\n>>> "));
            terminal.exit();
        }
    }

    @Test
    void putAndGetMoveAFileOfSeveralFramesAndChunksByteForByte() throws Exception {
        byte[] data = new byte[5 * GET_CHUNK + 123];     // 6 PUT frames of at most 1024 bytes, 6 GET chunks
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) (i * 31 + i / 256);
        }
        // Each is one run of the script: its own connection, login and GET_VER.
        try (OfficialCli put = cli()) {
            put.login(PASSWORD);
            put.put(data, "/multi.bin");
        }
        assertArrayEquals(data, Files.readAllBytes(root.resolve("multi.bin")));
        try (OfficialCli get = cli()) {
            get.login(PASSWORD);
            assertArrayEquals(data, get.get("/multi.bin"));
        }
    }

    private void browserLogin(RawWebSocket c) throws IOException {
        c.send(ascii("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
                + "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"));
        String head = c.readHttpHead();
        assertEquals("HTTP/1.1 101 Switching Protocols", head.lines().findFirst().orElseThrow(), head);
        c.send(masked(0x81, ascii(PASSWORD + "\r")));
    }

    /** Reads the browser connection's frames, answering pings, until {@code n} pings have come. */
    private static void awaitPings(RawWebSocket c, int n) throws IOException {
        int pings = 0;
        // A bound, not an expectation: the login's text frames and the pings, nothing else.
        for (int frames = 0; pings < n; frames++) {
            if (frames > 100) {
                throw new AssertionError("no " + n + " pings among 100 frames");
            }
            RawWebSocket.Frame f = c.readFrame();
            if (f.opcode() == 9) {
                pings++;
                c.send(masked(0x8A, f.payload()));
            } else {
                assertEquals(1, f.opcode(), "expected text or a ping, got " + f + ": "
                        + new String(f.payload(), StandardCharsets.UTF_8));
            }
        }
    }

    private static int[] toInts(byte[] b) {
        return new int[] {b[0] & 0xFF, b[1] & 0xFF, b[2] & 0xFF};
    }
}
