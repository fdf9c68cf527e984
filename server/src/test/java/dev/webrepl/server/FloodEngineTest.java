package dev.webrepl.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.webrepl.core.files.FileStore;
import dev.webrepl.core.protocol.PasswordCheck;
import dev.webrepl.dupterm.SessionConfig;
import dev.webrepl.dupterm.SessionRegistry;
import dev.webrepl.loadtest.FloodEngine;
import dev.webrepl.transport.client.ReplConnection;
import dev.webrepl.transport.client.WebReplClient;
import dev.webrepl.transport.server.ServerOptions;
import dev.webrepl.transport.server.WebReplServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code serve --engine flood} on a loopback server: exact output per command, Ctrl-C, bad input. */
@Timeout(60)
class FloodEngineTest {
    private static final String PASSWORD = "pw";

    @TempDir
    Path dir;

    private WebReplServer server;
    private WebReplClient client;
    private ReplConnection terminal;
    private Transcript out;

    @BeforeEach
    void connect() throws Exception {
        server = WebReplServer.start(
                ServerOptions.of(PasswordCheck.plain(PASSWORD), new FileStore(Files.createDirectories(dir.resolve("root"))))
                        .withPort(0),
                new SessionRegistry(() -> FloodEngine.onCommand(ServeCommand.FLOOD_WRITE), new SecureRandom(),
                        SessionConfig.DEFAULTS));
        client = WebReplClient.newClient();
        terminal = client.connect("127.0.0.1", server.port()).get(10, TimeUnit.SECONDS);
        terminal.login(PASSWORD).get(10, TimeUnit.SECONDS);
        out = Transcript.of(terminal);
        out.awaitSessionId();
    }

    @AfterEach
    void close() {
        terminal.close();
        client.close();
        server.close();
    }

    /** What {@code n} bytes of flood look like: 80-byte lines of x ending in CR LF, the last one cut. */
    static String flood(int n) {
        StringBuilder b = new StringBuilder();
        while (b.length() < n) {
            b.append("x".repeat(78)).append("\r\n");
        }
        return b.substring(0, n);
    }

    /** The output after the session line: the engine writes nothing before the first command. */
    private String afterSessionLine() {
        String t = out.text();
        return t.substring(t.indexOf("\r\n", t.indexOf("webrepl: session")) + 2);
    }

    @Test
    void answersAByteCountWithExactlyThatManyBytesAndThePrompt() {
        // More than one write, ending inside a line.
        int n = 3 * ServeCommand.FLOOD_WRITE + 1000;
        terminal.send((n + "\r").getBytes(StandardCharsets.US_ASCII));
        String expected = n + "\r\n" + flood(n) + "\r\nflood> ";
        out.awaitEndsWith(expected);
        assertEquals(expected, afterSessionLine());
    }

    @Test
    void answersEachLineOfOneFrameInOrder() {
        terminal.send("5\r\n0\r7\r".getBytes(StandardCharsets.US_ASCII));
        String expected = "5\r\nxxxxx\r\nflood> 0\r\n\r\nflood> 7\r\nxxxxxxx\r\nflood> ";
        out.awaitEndsWith(expected);
        assertEquals(expected, afterSessionLine());
    }

    @Test
    void refusesALineThatIsNotAByteCount() {
        terminal.send("lots\r-1\r".getBytes(StandardCharsets.US_ASCII));
        String expected = "lots\r\nflood: type a byte count from 0 to 1000000000000 for that much output, not lots\r\n"
                + "flood> -1\r\nflood: type a byte count from 0 to 1000000000000 for that much output, not -1\r\n"
                + "flood> ";
        out.awaitEndsWith(expected);
        assertEquals(expected, afterSessionLine());
    }

    @Test
    void ctrlCStopsAFloodAndTheNextCommandRuns() {
        terminal.send("1000000000000\r".getBytes(StandardCharsets.US_ASCII));
        out.awaitContains("1000000000000\r\nxxx");  // the echo, then the flood has begun
        terminal.send(new byte[] {3});
        out.awaitEndsWith("^C\r\nflood> ");
        String stopped = afterSessionLine();
        assertTrue(stopped.startsWith("1000000000000\r\nxxx"), stopped.substring(0, 40));
        // What came before ^C is whole writes of the flood.
        String body = stopped.substring("1000000000000\r\n".length(), stopped.length() - "^C\r\nflood> ".length());
        assertEquals(0, body.length() % ServeCommand.FLOOD_WRITE, "bytes before ^C: " + body.length());
        assertEquals(flood(body.length()), body);
        terminal.send("3\r".getBytes(StandardCharsets.US_ASCII));
        out.awaitEndsWith("^C\r\nflood> 3\r\nxxx\r\nflood> ");
    }
}
