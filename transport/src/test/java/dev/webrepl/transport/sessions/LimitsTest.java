package dev.webrepl.transport.sessions;

import static dev.webrepl.transport.conformance.RawWebSocket.ascii;
import static dev.webrepl.transport.conformance.RawWebSocket.frame;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.webrepl.core.files.FileStore;
import dev.webrepl.core.protocol.PasswordCheck;
import dev.webrepl.dupterm.SessionConfig;
import dev.webrepl.dupterm.SessionRegistry;
import dev.webrepl.engines.echo.EchoEvaluator;
import dev.webrepl.transport.client.ReplConnection;
import dev.webrepl.transport.client.ServerClose;
import dev.webrepl.transport.client.WebReplClient;
import dev.webrepl.transport.conformance.RawWebSocket;
import dev.webrepl.transport.server.ServerOptions;
import dev.webrepl.transport.server.WebReplServer;
import java.nio.file.Files;
import java.security.SecureRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Session and terminal limits over real sockets, and two servers in one JVM that share nothing. */
class LimitsTest extends SessionsTestBase {

    @Test
    @DisplayName("maxSessions=1: a second new connection gets the message and close 1013; the first keeps working")
    void sessionLimitRefusesWith1013() throws Exception {
        restart(SessionConfig.DEFAULTS.withMaxSessions(1), false);
        RawWebSocket first = loggedIn();

        RawWebSocket second = connect().handshake();
        second.send(frame(0x82, ascii(PASSWORD + "\r")));
        second.expectRefusal("the server has its maximum of 1 sessions", 1013);

        first.send(frame(0x81, ascii("still\r")));
        first.expectText("still\r\nstill\r\n>>> ");
        assertEquals(1, server.sessions().size());
        assertEquals(1, session(first.sessionId()).terminals());
    }

    @Test
    @DisplayName("maxTerminals=1: an attach gets the message and close 1013; the session keeps working")
    void terminalLimitRefusesAttachWith1013() throws Exception {
        restart(SessionConfig.DEFAULTS.withMaxTerminals(1), false);
        RawWebSocket first = loggedIn();
        String id = first.sessionId();

        RawWebSocket second = connect().handshake(attach(id));
        second.send(frame(0x82, ascii(PASSWORD + "\r")));
        second.expectRefusal("session " + id + " has its maximum of 1 terminals", 1013);

        first.send(frame(0x81, ascii("still\r")));
        first.expectText("still\r\nstill\r\n>>> ");
        assertEquals(1, session(id).terminals());
        assertEquals(1, server.sessions().size());
    }

    @Test
    @DisplayName("the Java client tells the server's close status and reason: 1013 for a terminal over the limit")
    void clientReportsTheServersCloseStatus() throws Exception {
        restart(SessionConfig.DEFAULTS.withMaxTerminals(1), false);
        RawWebSocket first = loggedIn();
        String id = first.sessionId();
        try (WebReplClient client = WebReplClient.newClient()) {
            ReplConnection second = client.connectPath("127.0.0.1", server.port(), "/session/" + id)
                    .get(10, TimeUnit.SECONDS);
            second.login(PASSWORD).get(10, TimeUnit.SECONDS);
            second.onClose().get(10, TimeUnit.SECONDS);
            ServerClose close = second.serverClose().orElseThrow();
            assertEquals(1013, close.code());
            assertEquals("session " + id + " has its maximum of 1 terminals", close.reason());
        }
        first.send(frame(0x81, ascii("still\r")));
        first.expectText("still\r\nstill\r\n>>> ");
    }

    @Test
    @DisplayName("two servers in one JVM: ids, passwords and limits are each their own")
    void twoServersShareNothing() throws Exception {
        restart(SessionConfig.DEFAULTS.withMaxSessions(2), false);
        SessionRegistry otherSessions = new SessionRegistry(EchoEvaluator::engine, new SecureRandom(),
                SessionConfig.DEFAULTS.withMaxSessions(1));
        try (WebReplServer other = WebReplServer.start(ServerOptions.of(PasswordCheck.plain("other"),
                new FileStore(Files.createDirectories(tempDir.resolve("other")))).withPort(0), otherSessions)) {
            assertNotEquals(server.port(), other.port());
            RawWebSocket here = loggedIn();
            try (RawWebSocket there = RawWebSocket.connect(other.port());
                 RawWebSocket foreignId = RawWebSocket.connect(other.port());
                 RawWebSocket overLimit = RawWebSocket.connect(other.port());
                 RawWebSocket wrongPassword = RawWebSocket.connect(other.port())) {
                there.login("/", "other");
                assertNotEquals(here.sessionId(), there.sessionId());

                // This server's session id is unknown over there, and the other way round.
                foreignId.handshake(attach(here.sessionId()));
                foreignId.send(frame(0x82, ascii("other\r")));
                foreignId.expectRefusal("no such session: " + here.sessionId(), 1008);
                RawWebSocket back = connect().handshake(attach(there.sessionId()));
                back.send(frame(0x82, ascii(PASSWORD + "\r")));
                back.expectRefusal("no such session: " + there.sessionId(), 1008);

                // Passwords are not interchangeable.
                wrongPassword.handshake();
                wrongPassword.send(frame(0x82, ascii(PASSWORD + "\r")));
                wrongPassword.expect(RawWebSocket.DENIED_FRAME);
                wrongPassword.expectEof();
                RawWebSocket otherPasswordHere = connect().handshake();
                otherPasswordHere.send(frame(0x82, ascii("other\r")));
                otherPasswordHere.expect(RawWebSocket.DENIED_FRAME);
                otherPasswordHere.expectEof();

                // The other server is at its limit of 1; this one still takes its second session.
                overLimit.handshake();
                overLimit.send(frame(0x82, ascii("other\r")));
                overLimit.expectRefusal("the server has its maximum of 1 sessions", 1013);
                RawWebSocket secondHere = loggedIn();
                assertEquals(2, server.sessions().size());
                assertEquals(1, other.sessions().size());

                there.send(frame(0x81, ascii("there\r")));
                there.expectText("there\r\nthere\r\n>>> ");
                secondHere.send(frame(0x81, ascii("here\r")));
                secondHere.expectText("here\r\nhere\r\n>>> ");
            }
        }
    }
}
