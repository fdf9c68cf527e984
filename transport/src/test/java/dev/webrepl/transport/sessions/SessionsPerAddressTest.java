package dev.webrepl.transport.sessions;

import static dev.webrepl.transport.conformance.RawWebSocket.ascii;
import static dev.webrepl.transport.conformance.RawWebSocket.frame;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.webrepl.core.protocol.ConnectionRecorder;
import dev.webrepl.dupterm.Session;
import dev.webrepl.transport.conformance.RawWebSocket;
import dev.webrepl.transport.server.ServerOptions;
import java.io.IOException;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * README "Security", --max-sessions-per-address: sessions an address opened count until they end,
 * lingering ones included; one more gets close 1013 with a reason, counted; attaching is not opening.
 */
class SessionsPerAddressTest extends SessionsTestBase {
    private static final int MAX = 4;
    private final AtomicInteger refusals = new AtomicInteger();

    @Override
    protected ServerOptions configure(ServerOptions options) {
        return options.withSecurity(options.security().withMaxSessionsPerAddress(MAX))
                .withRecorder(new ConnectionRecorder() {
                    @Override
                    public void refused(String reason) {
                        if (reason.equals("per-address-sessions")) {
                            refusals.incrementAndGet();
                        }
                    }
                });
    }

    /** Opens a session, types into it and disconnects: with a long linger it stays. */
    private String openAndLeave(RawWebSocket c) throws IOException {
        c.login(PASSWORD);
        c.send(frame(0x81, ascii("x\r")));
        c.expectText("x\r\nx\r\n>>> ");
        c.close();
        String id = c.sessionId();
        // With a short linger the session may already be gone: that is left too.
        await("session " + id + " has no terminal", () -> server.sessions().find(id)
                .map(s -> s.terminals() == 0).orElse(true));
        return id;
    }

    private void expectRefused(RawWebSocket c) throws IOException {
        c.handshake();
        c.send(frame(0x82, ascii(PASSWORD + "\r")));
        c.expectRefusal("too many sessions from this address", 1013);
    }

    @Test
    @DisplayName("lingering sessions count: the address's next new session gets 1013; another address does not")
    void lingeringSessionsFillTheAddressesShareOnly() throws Exception {
        restart(config.withLinger(Duration.ofHours(1)), false);
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < MAX; i++) {
            ids.add(openAndLeave(connect()));
        }
        assertEquals(MAX, server.sessions().size());

        expectRefused(connect());
        assertEquals(1, refusals.get());
        assertEquals(MAX, server.sessions().size(), "nothing opened for the refused one");
        assertEquals(MAX, server.sessions().sessionsFrom(InetAddress.getByName("127.0.0.1")));

        RawWebSocket attached = loggedIn(attach(ids.get(0)));
        assertEquals(ids.get(0), attached.sessionId(), "attaching is not a new session");
        try (RawWebSocket other = RawWebSocket.connectFrom(server.port(), "127.0.0.2")) {
            other.login(PASSWORD);
        }
    }

    @Test
    @DisplayName("once its sessions end (ended by the registry, or by a short linger) the address opens again")
    void endedSessionsGiveTheirCountBack() throws Exception {
        restart(config.withLinger(Duration.ofHours(1)), false);
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < MAX; i++) {
            ids.add(openAndLeave(connect()));
        }
        session(ids.get(0)).end(Session.NORMAL_CLOSURE, "", "test");
        openAndLeave(connect());
        expectRefused(connect());

        restart(config.withLinger(Duration.ofMillis(50)), false);
        for (int round = 0; round < 2; round++) {
            for (int i = 0; i < MAX; i++) {
                openAndLeave(connect());
            }
            await("the lingering sessions have ended", () -> server.sessions().size() == 0);
        }
        assertEquals(0, server.sessions().sessionsFrom(InetAddress.getByName("127.0.0.1")));
        assertEquals(1, refusals.get());
    }
}
