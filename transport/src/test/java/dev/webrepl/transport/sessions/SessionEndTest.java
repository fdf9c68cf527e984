package dev.webrepl.transport.sessions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.webrepl.dupterm.SessionConfig;
import dev.webrepl.transport.conformance.RawWebSocket;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** How a session ends for every one of its terminals: engine exit, engine failure, server shutdown. */
class SessionEndTest extends SessionsTestBase {

    @Test
    @DisplayName("engine exit: every terminal gets 'session ended: engine exited with status 0' and close 1000")
    void engineExitEndsTheSessionWith1000() throws Exception {
        restart(SessionConfig.DEFAULTS, true);
        RawWebSocket a = loggedIn();
        RawWebSocket b = loggedIn(attach(a.sessionId()));
        RawWebSocket v = loggedIn(attach(a.sessionId()) + "?mode=view");

        engine(0).exit(0);

        for (RawWebSocket c : List.of(a, b, v)) {
            c.expectTextThenClose("\r\nsession ended: engine exited with status 0\r\n", 1000);
        }
        assertEquals(0, server.sessions().size());
        assertTrue(engine(0).closed(), "the engine is released");
        assertEquals(List.of("engine-exit"), recorder.ends);
    }

    @Test
    @DisplayName("engine failure: every terminal gets 'session ended: engine failed: <why>' and close 1011")
    void engineFailureEndsTheSessionWith1011() throws Exception {
        restart(SessionConfig.DEFAULTS, true);
        RawWebSocket a = loggedIn();
        RawWebSocket b = loggedIn(attach(a.sessionId()));

        engine(0).fail(new IllegalStateException("boom"));

        for (RawWebSocket c : List.of(a, b)) {
            c.expectTextThenClose("\r\nsession ended: engine failed: boom\r\n", 1011);
        }
        assertEquals(0, server.sessions().size());
        assertTrue(engine(0).closed(), "the engine is released");
        assertEquals(List.of("engine-error"), recorder.ends);
    }

    @Test
    @DisplayName("engine cannot start: the login, the session line, 'session ended: engine failed to start: <why>', close 1011")
    void anEngineThatCannotStartIsTheSessionLineThenTheReasonThenClose1011() throws Exception {
        startFailure = new java.io.IOException("cannot start process: /gone is not an executable file");
        restart(SessionConfig.DEFAULTS, true);
        for (int i = 0; i < 3; i++) {  // each time: the slot's close waits until the line and the reason are out
            RawWebSocket a = connect();
            a.handshake();
            a.send(RawWebSocket.frame(0x82, RawWebSocket.ascii(PASSWORD + "\r")));
            a.expect(RawWebSocket.CONNECTED_FRAME);
            String id = a.expectSessionLine();
            a.expectTextThenClose("\r\nsession ended: engine failed to start: cannot start process: /gone is not an "
                    + "executable file\r\n", 1011);
            assertTrue(server.sessions().find(id).isEmpty(), "the session is gone");
        }
        assertEquals(List.of("engine-error", "engine-error", "engine-error"), recorder.ends);
    }

    @Test
    @DisplayName("server close: every terminal of every session gets 'session ended: server shutting down' and 1001")
    void serverCloseEndsEverySessionWith1001() throws Exception {
        RawWebSocket a = loggedIn();
        RawWebSocket b = loggedIn(attach(a.sessionId()));
        RawWebSocket v = loggedIn(attach(a.sessionId()) + "?mode=view");
        RawWebSocket other = loggedIn();

        server.close();

        for (RawWebSocket c : List.of(a, b, v, other)) {
            c.expectTextThenClose("\r\nsession ended: server shutting down\r\n", 1001);
        }
        assertEquals(0, server.sessions().size());
        assertEquals(List.of("shutdown", "shutdown"), recorder.ends);
    }
}
