package dev.webrepl.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.webrepl.core.files.FileStore;
import dev.webrepl.core.protocol.PasswordCheck;
import dev.webrepl.dupterm.SessionRegistry;
import dev.webrepl.engines.echo.EchoEvaluator;
import dev.webrepl.transport.client.ReplConnection;
import dev.webrepl.transport.client.WebReplClient;
import dev.webrepl.transport.server.SecurityOptions;
import dev.webrepl.transport.server.ServerOptions;
import dev.webrepl.transport.server.WebReplServer;
import java.io.IOException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code POST /lockouts/clear} (README "Security", brute force): guarded like drain (Host, Origin,
 * the confirmation header, the token), and it lets the right password in again at once.
 */
class AdminLockoutsTest {
    private static final String TOKEN = "s3cret-Token_42";
    private static final String CONFIRM = "X-Webrepl-Admin: 1\r\n";
    private static final String LOCKED = "too many failed logins; try again later";

    @TempDir
    Path dir;

    private WebReplMetrics metrics;
    private SessionRegistry sessions;
    private WebReplServer server;
    private AdminServer guarded;
    private String head;

    @BeforeEach
    void start() throws IOException {
        metrics = new WebReplMetrics();
        sessions = new SessionRegistry(EchoEvaluator::engine, new SecureRandom());
        metrics.bind(sessions);
        // One failure delays the address, two lock it out for an hour; answers wait a millisecond.
        server = WebReplServer.start(ServerOptions.of(PasswordCheck.plain("pw"), new FileStore(dir)).withPort(0)
                .withSecurity(SecurityOptions.DEFAULTS.withLoginFailures(1, Duration.ofHours(1))
                        .withHardLockoutFailures(2).withFailureDelay(Duration.ofMillis(1), Duration.ofMillis(1))),
                sessions);
        guarded = AdminServer.start(AdminOptions.DEFAULTS.withPort(0).withAccess(
                AdminAccess.NONE.withToken(AdminToken.of(TOKEN))), metrics, sessions,
                () -> new ServerHealth(true, Map.of("kind", "echo")), server::clearLockouts);
        head = "Host: 127.0.0.1:" + guarded.port() + "\r\n";
    }

    @AfterEach
    void stop() {
        guarded.close();
        server.close();
        sessions.close();
        metrics.close();
    }

    @Test
    void aGuardedClearLetsTheRightPasswordInAgain() throws Exception {
        lockOutLoopback();
        assertTrue(loginRefusal().contains(LOCKED), "locked out: the right password is refused too");

        String auth = "Authorization: Bearer " + TOKEN + "\r\n";
        assertEquals(401, post("/lockouts/clear", head + CONFIRM).status(), "no token");
        assertEquals(403, post("/lockouts/clear", head + auth).status(), "no confirmation header");
        RawHttp.Response foreign = post("/lockouts/clear", head + auth + CONFIRM + "Origin: http://evil.example\r\n");
        assertEquals(403, foreign.status());
        assertEquals("{\"error\":\"origin not allowed\"}", foreign.body());
        assertEquals(403, post("/lockouts/clear", "Host: evil.example\r\n" + auth + CONFIRM).status(), "foreign Host");
        assertEquals(405, RawHttp.exchange(guarded.port(), "GET /lockouts/clear HTTP/1.1\r\n" + head + auth, "").status());
        assertTrue(loginRefusal().contains(LOCKED), "none of those lifted it");

        RawHttp.Response other = post("/lockouts/clear?address=127.0.0.2", head + auth + CONFIRM);
        assertEquals(200, other.status());
        assertEquals("{\"address\":\"127.0.0.2\",\"lifted\":0}", other.body());
        assertTrue(loginRefusal().contains(LOCKED), "another address: still locked");

        RawHttp.Response r = post("/lockouts/clear?address=127.0.0.1", head + auth + CONFIRM);
        assertEquals(200, r.status());
        assertEquals("{\"address\":\"127.0.0.1\",\"lifted\":1}", r.body());
        assertLogsIn();
    }

    @Test
    void withoutAnAddressEveryLockoutIsLifted() throws Exception {
        lockOutLoopback();
        RawHttp.Response r = post("/lockouts/clear", head + "Authorization: Bearer " + TOKEN + "\r\n" + CONFIRM);
        assertEquals(200, r.status());
        assertEquals("{\"address\":\"all\",\"lifted\":1}", r.body());
        assertLogsIn();
    }

    @Test
    void anAddressMustBeOneIpLiteral() throws Exception {
        String h = head + "Authorization: Bearer " + TOKEN + "\r\n" + CONFIRM;
        for (String query : List.of("?address=localhost", "?address=", "?address=127.0.0.1&address=::1",
                "?address=1.2.3.4.5")) {
            RawHttp.Response r = post("/lockouts/clear" + query, h);
            assertEquals(400, r.status(), query);
        }
        assertEquals("{\"address\":\"0:0:0:0:0:0:0:1\",\"lifted\":0}", post("/lockouts/clear?address=::1", h).body());
    }

    private void lockOutLoopback() throws Exception {
        for (int i = 0; i < 2; i++) {
            try (WebReplClient client = WebReplClient.newClient()) {
                assertThrows(ExecutionException.class,
                        () -> client.connect("127.0.0.1", server.port(), "wrong").get(30, TimeUnit.SECONDS));
            }
        }
    }

    /** What refused a login with the right password, as the client reports it. */
    private String loginRefusal() throws Exception {
        try (WebReplClient client = WebReplClient.newClient()) {
            ExecutionException e = assertThrows(ExecutionException.class,
                    () -> client.connect("127.0.0.1", server.port(), "pw").get(30, TimeUnit.SECONDS));
            return String.valueOf(e.getCause());
        }
    }

    /** The right password logs in and a session opens. */
    private void assertLogsIn() throws Exception {
        CompletableFuture<String> id = new CompletableFuture<>();
        sessions.setTerminalArrivedCallback(slot -> id.complete(slot.session().id()));
        try (WebReplClient client = WebReplClient.newClient();
             ReplConnection c = client.connect("127.0.0.1", server.port(), "pw").get(30, TimeUnit.SECONDS)) {
            assertTrue(sessions.find(id.get(30, TimeUnit.SECONDS)).isPresent());
        } finally {
            sessions.setTerminalArrivedCallback(null);
        }
    }

    private RawHttp.Response post(String path, String headers) throws IOException {
        return RawHttp.exchange(guarded.port(), "POST " + path + " HTTP/1.1\r\n" + headers, "");
    }
}
