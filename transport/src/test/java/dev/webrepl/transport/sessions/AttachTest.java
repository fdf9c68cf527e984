package dev.webrepl.transport.sessions;

import static dev.webrepl.transport.conformance.RawWebSocket.ascii;
import static dev.webrepl.transport.conformance.RawWebSocket.frame;
import static dev.webrepl.transport.conformance.RawWebSocket.hex;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.webrepl.core.protocol.PasswordCheck;
import dev.webrepl.dupterm.Slot;
import dev.webrepl.dupterm.TerminalMode;
import dev.webrepl.transport.conformance.RawWebSocket;
import dev.webrepl.transport.server.ServerOptions;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Attaching terminals to a running session by {@code /session/<id>} over real sockets (DESIGN
 * "Sessions and terminals"): read-write terminals, viewers, the viewer password, unknown ids.
 */
class AttachTest extends SessionsTestBase {
    private static final String VIEWER_PASSWORD = "peek";
    /** A GET_VER request: its reply proves every frame sent before it on that connection was handled. */
    private static final byte[] GET_VER = RawWebSocket.concat(hex("82 52 57 41 03 00"), new byte[78]);
    private static final byte[] VERSION = hex("00 01 00");

    @Override
    protected ServerOptions configure(ServerOptions options) {
        return options.withViewerPassword(PasswordCheck.plain(VIEWER_PASSWORD));
    }

    @Test
    @DisplayName("the session line names /session/<id>, a 22-character URL-safe base64 id of a registered session")
    void sessionLineNamesTheSession() throws Exception {
        RawWebSocket a = loggedIn();
        String id = a.sessionId();
        assertTrue(id.matches("[A-Za-z0-9_-]{22}"), id);
        assertEquals(List.of(id), server.sessions().sessions().stream().map(s -> s.id()).toList());
        assertEquals(1, session(id).terminals());
    }

    @Test
    @DisplayName("a second read-write terminal gets the same session line; both see all output; input is merged")
    void readWriteTerminalsShareOutputAndMergeInput() throws Exception {
        RawWebSocket a = loggedIn();
        RawWebSocket b = loggedIn(attach(a.sessionId()));
        assertEquals(a.sessionId(), b.sessionId());
        assertEquals(1, server.sessions().size());
        assertEquals(2, session(a.sessionId()).terminals());

        a.send(frame(0x81, ascii("one\r")));
        a.expectText("one\r\none\r\n>>> ");
        b.expectText("one\r\none\r\n>>> ");
        b.send(frame(0x81, ascii("two\r")));
        a.expectText("two\r\ntwo\r\n>>> ");
        b.expectText("two\r\ntwo\r\n>>> ");
        // One line typed half on each terminal: the engine gets one merged input stream.
        a.send(frame(0x81, ascii("ab")));
        a.expectText("ab");
        b.expectText("ab");
        b.send(frame(0x81, ascii("c\r")));
        a.expectText("c\r\nabc\r\n>>> ");
        b.expectText("c\r\nabc\r\n>>> ");
    }

    @Test
    @DisplayName("?mode=view: the viewer receives all output and its input is ignored")
    void viewerInputIsIgnored() throws Exception {
        RawWebSocket a = loggedIn();
        RawWebSocket v = loggedIn(attach(a.sessionId()) + "?mode=view");
        assertEquals(a.sessionId(), v.sessionId());

        v.send(frame(0x81, ascii("x\r")), GET_VER);
        v.expectBinary(VERSION);  // "x\r" has been handled (frames are handled in order) ...
        a.send(frame(0x81, ascii("y\r")));
        // ... and ignored: had it reached the engine, "x\r\nx\r\n>>> " would come first.
        a.expectText("y\r\ny\r\n>>> ");
        v.expectText("y\r\ny\r\n>>> ");
    }

    @Test
    @DisplayName("?mode=view: the viewer's PUT and GET are refused with 13 and nothing changes on disk")
    void viewerCannotMoveFiles() throws Exception {
        java.nio.file.Files.writeString(root.resolve("notes.txt"), "teacher's");
        RawWebSocket a = loggedIn();
        RawWebSocket v = loggedIn(attach(a.sessionId()) + "?mode=view");

        v.send(dev.webrepl.transport.conformance.FileProtocol.putFrame("notes.txt", 3));
        v.expectBinary(dev.webrepl.transport.conformance.FileProtocol.status(13));
        v.send(dev.webrepl.transport.conformance.FileProtocol.getFrame("notes.txt"));
        v.expectBinary(dev.webrepl.transport.conformance.FileProtocol.status(13));

        assertEquals("teacher's", java.nio.file.Files.readString(root.resolve("notes.txt")));
    }

    @Test
    @DisplayName("the viewer password attaches a viewer; it is denied for a new session and for a read-write attach")
    void viewerPasswordGrantsViewModeOnly() throws Exception {
        RawWebSocket a = loggedIn();
        String id = a.sessionId();
        List<Slot> arrived = new CopyOnWriteArrayList<>();
        server.sessions().setTerminalArrivedCallback(arrived::add);

        RawWebSocket v = connect().login(attach(id) + "?mode=view", VIEWER_PASSWORD);
        assertEquals(id, v.sessionId());
        a.send(frame(0x81, ascii("hi\r")));
        v.expectText("hi\r\nhi\r\n>>> ");
        v.send(frame(0x81, ascii("ignored\r")), GET_VER);
        v.expectBinary(VERSION);
        a.send(frame(0x81, ascii("ok\r")));
        v.expectText("ok\r\nok\r\n>>> ");
        await("the viewer's arrival is reported", () -> arrived.size() == 1);
        assertEquals(TerminalMode.VIEW, arrived.get(0).mode());

        for (String path : new String[] {"/", attach(id)}) {
            RawWebSocket denied = connect().handshake(path);
            denied.send(frame(0x82, ascii(VIEWER_PASSWORD + "\r")));
            denied.expect(RawWebSocket.DENIED_FRAME);
            denied.expectEof();
        }
        assertEquals(1, server.sessions().size(), "no session was opened with the viewer password");
        assertEquals(2, session(id).terminals());
    }

    @Test
    @DisplayName("an unknown id: login frame, 'no such session: <id>', close 1008, and no session is created")
    void unknownIdIsRefusedWith1008() throws Exception {
        RawWebSocket a = loggedIn();
        String unknown = "AAAAAAAAAAAAAAAAAAAAAA";
        RawWebSocket c = connect().handshake(attach(unknown));
        c.send(frame(0x82, ascii(PASSWORD + "\r")));
        c.expectRefusal("no such session: " + unknown, 1008);
        assertEquals(1, server.sessions().size());
        assertEquals(List.of(a.sessionId()), server.sessions().sessions().stream().map(s -> s.id()).toList());
    }
}
