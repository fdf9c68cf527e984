package dev.webrepl.transport.faults;

import static dev.webrepl.transport.conformance.RawWebSocket.ascii;
import static dev.webrepl.transport.conformance.RawWebSocket.frame;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.webrepl.dupterm.SessionConfig;
import dev.webrepl.engines.echo.EchoEvaluator;
import dev.webrepl.transport.conformance.RawWebSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * 200 clients, each with a session, all reset (RST) at once: every terminal leaves as gone, every
 * session ends (linger 0), the registry is empty, no buffer leaks (the paranoid leak detector
 * fails the run otherwise) and the server still opens a new session.
 */
@Timeout(120)
class MassDisconnectTest extends FaultsTestBase {
    private static final int CLIENTS = 200;

    @Test
    void twoHundredClientsResetAtOnceLeaveNothingBehind() throws Exception {
        restart(SessionConfig.DEFAULTS.withLinger(Duration.ZERO), EchoEvaluator::engine);
        List<RawWebSocket> clients = new ArrayList<>();
        try {
            for (int i = 0; i < CLIENTS; i++) {
                RawWebSocket c = RawWebSocket.connect(server.port());
                clients.add(c);
                c.login("/", PASSWORD);
                // Unread input and output in flight when the reset comes.
                c.send(frame(0x81, ascii("print(" + i + ")\r")));
            }
            assertEquals(CLIENTS, server.sessions().size());
        } finally {
            for (RawWebSocket c : clients) {
                c.reset();
            }
        }
        await("every session ended", () -> server.sessions().size() == 0);
        assertEquals(Collections.nCopies(CLIENTS, "peer-gone"), deactivations);
        assertEquals(CLIENTS, ends.size());
        loggedIn().send(frame(0x81, ascii("1\r")));
    }
}
