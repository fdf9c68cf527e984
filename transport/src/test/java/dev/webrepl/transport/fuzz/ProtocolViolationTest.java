package dev.webrepl.transport.fuzz;

import static dev.webrepl.transport.conformance.RawWebSocket.ascii;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import dev.webrepl.testkit.LogCapture;
import dev.webrepl.transport.conformance.RawWebSocket;
import dev.webrepl.transport.conformance.ServerTestBase;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A frame that breaks RFC 6455 in a way the reference would not tolerate either (found by
 * {@link FrameFuzzTest}) is the client's error: Netty's decoder answers it with close code 1002 and
 * closes, and the server logs one line, not a warning with a stack trace and a 1011 "internal error"
 * meant for our own failures (any client could otherwise fill the log at will).
 */
class ProtocolViolationTest extends ServerTestBase {
    private LogCapture log;

    @BeforeEach
    void recordLog() {
        log = LogCapture.of("dev.webrepl.transport.server.ConnectionHandler", Level.INFO);
    }

    @AfterEach
    void stopRecording() {
        log.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "83 00",                       // reserved data opcode 3
        "c2 01 41",                    // RSV1 without an extension
        "09 00",                       // a fragmented ping
        "80 01 41",                    // a continuation outside a message
        "89 7e 00 80",                 // a ping announcing 128 bytes
        "82 7f 80 00 00 00 00 00 00 01" // a 64-bit length with the top bit set
    })
    void aFrameThatBreaksTheFramingIsAProtocolErrorOfThePeerNotAServerFailure(String frame) throws IOException {
        RawWebSocket c = loggedIn();

        c.send(RawWebSocket.hex(frame));

        assertEquals(1002, c.skipToClose(), "close code");
        c.expectEof();
        await("the connection is gone", () -> server.openConnections() == 0);
        await("its line is logged", () -> !log.lines().isEmpty());
        // One line, and no warning: the connection's line names the protocol error (README "Logs").
        List<LogCapture.Line> lines = log.lines();
        assertEquals(1, lines.size(), lines.toString());
        assertEquals("INFO", lines.get(0).level());
        assertTrue(lines.get(0).message().startsWith("connection closed on a protocol error: "), lines.toString());
        // The server goes on serving.
        loggedIn().send(RawWebSocket.frame(0x81, ascii("6*7\r")));
    }
}
