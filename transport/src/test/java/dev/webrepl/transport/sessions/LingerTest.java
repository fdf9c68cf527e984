package dev.webrepl.transport.sessions;

import static dev.webrepl.transport.conformance.RawWebSocket.ascii;
import static dev.webrepl.transport.conformance.RawWebSocket.concat;
import static dev.webrepl.transport.conformance.RawWebSocket.frame;
import static dev.webrepl.transport.conformance.RawWebSocket.hex;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.webrepl.transport.conformance.RawWebSocket;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** A session outlives its last terminal only if a terminal typed something (DESIGN "linger"). */
class LingerTest extends SessionsTestBase {

    @Test
    @DisplayName("re-attach within the linger period: the scrollback replay first, then live output")
    void reattachGetsScrollbackThenLiveOutput() throws Exception {
        RawWebSocket first = loggedIn();
        String id = first.sessionId();
        first.send(frame(0x81, ascii("hello\r")));
        first.expectText("hello\r\nhello\r\n>>> ");
        first.close();
        await("the first terminal has left", () -> session(id).terminals() == 0);
        assertEquals(1, server.sessions().size(), "the session lingers");

        RawWebSocket again = loggedIn(attach(id));
        assertEquals(id, again.sessionId());
        again.expectText("hello\r\nhello\r\n>>> ");
        again.send(frame(0x81, ascii("again\r")));
        again.expectText("again\r\nagain\r\n>>> ");
        assertEquals(List.of(), recorder.ends);
    }

    @Test
    @DisplayName("without terminal input (only a GET_VER) the session ends when its connection closes")
    void sessionWithoutInputEndsWithItsConnection() throws Exception {
        RawWebSocket c = loggedIn();
        c.send(frame(0x82, concat(hex("57 41 03 00"), new byte[78])));
        c.expectBinary(hex("00 01 00"));
        assertEquals(1, server.sessions().size());
        c.close();
        await("the session is gone", () -> server.sessions().size() == 0);
        assertEquals(List.of("detached"), recorder.ends);
    }
}
