package dev.webrepl.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.webrepl.core.files.FileStore;
import dev.webrepl.core.protocol.PasswordCheck;
import dev.webrepl.dupterm.SessionRegistry;
import dev.webrepl.engines.echo.EchoEvaluator;
import dev.webrepl.transport.client.ReplConnection;
import dev.webrepl.transport.client.WebReplClient;
import dev.webrepl.transport.server.ServerOptions;
import dev.webrepl.transport.server.WebReplServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
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
 * The admin listener obeys no web page (issue #15 point 4): Host and Origin checks, the confirmation
 * header on state-changing requests, the optional bearer token, and undrain. Requests go over raw
 * sockets so each carries exactly the Host, Origin and Content-Type a browser would send.
 */
class AdminGuardTest {
    private static final String TOKEN = "s3cret-Token_42";
    private static final String FORM = "Content-Type: application/x-www-form-urlencoded\r\n";
    private static final String CONFIRM = "X-Webrepl-Admin: 1\r\n";

    @TempDir
    Path dir;

    private WebReplMetrics metrics;
    private SessionRegistry sessions;
    private WebReplServer server;
    private AdminServer admin;
    private AdminServer guarded;

    @BeforeEach
    void start() throws IOException {
        metrics = new WebReplMetrics();
        sessions = new SessionRegistry(EchoEvaluator::engine, new SecureRandom());
        metrics.bind(sessions);
        server = WebReplServer.start(ServerOptions.of(PasswordCheck.plain("pw"), new FileStore(dir)).withPort(0), sessions);
        admin = AdminServer.start(AdminOptions.DEFAULTS.withPort(0).withAccess(
                AdminAccess.NONE.withAllowedHosts(List.of("admin.example", "proxy.example:443"))), metrics, sessions,
                () -> new ServerHealth(true, Map.of("kind", "echo")));
        guarded = AdminServer.start(AdminOptions.DEFAULTS.withPort(0).withAccess(
                AdminAccess.NONE.withToken(AdminToken.of(TOKEN))), metrics, sessions,
                () -> new ServerHealth(true, Map.of("kind", "echo")));
    }

    @AfterEach
    void stop() {
        guarded.close();
        admin.close();
        server.close();
        sessions.close();
        metrics.close();
    }

    @Test
    void aCrossSiteFormPostToDrainIsRefusedAndTheServerKeepsTakingSessions() throws Exception {
        RawHttp.Response r = post(admin, "/drain", "Host: 127.0.0.1:" + admin.port() + "\r\n"
                + "Origin: http://evil.example\r\n" + FORM, "drain=1");
        assertEquals(403, r.status());
        assertEquals("{\"error\":\"origin not allowed\"}", r.body());
        assertFalse(sessions.isDraining());
        assertNewSessionOpens();
    }

    @Test
    void aFormPostWithoutOriginOrTheConfirmationHeaderIsRefused() throws Exception {
        RawHttp.Response r = post(admin, "/drain", "Host: 127.0.0.1:" + admin.port() + "\r\n" + FORM, "drain=1");
        assertEquals(403, r.status());
        assertEquals("{\"error\":\"a state-changing request needs the header X-Webrepl-Admin: 1\"}", r.body());
        assertFalse(sessions.isDraining());
    }

    @Test
    void aForeignOriginIsRefusedEvenWithTheConfirmationHeader() throws Exception {
        for (String origin : List.of("http://evil.example", "null", "http://127.0.0.1:" + (admin.port() + 1),
                "https://127.0.0.1:" + admin.port(), "http://localhost:" + admin.port())) {
            RawHttp.Response r = post(admin, "/drain", "Host: 127.0.0.1:" + admin.port() + "\r\n"
                    + "Origin: " + origin + "\r\n" + CONFIRM, "");
            assertEquals(403, r.status(), origin);
            assertEquals("{\"error\":\"origin not allowed\"}", r.body(), origin);
        }
        assertFalse(sessions.isDraining());
    }

    @Test
    void theListenersOwnOriginMayDrain() throws Exception {
        RawHttp.Response r = post(admin, "/drain", "Host: localhost:" + admin.port() + "\r\n"
                + "Origin: http://localhost:" + admin.port() + "\r\n" + CONFIRM, "");
        assertEquals(202, r.status(), r.body());
        assertEquals("{\"status\":\"draining\",\"sessions\":0}", r.body());
        assertTrue(sessions.isDraining());
    }

    @Test
    void sessionsAskedWithAForeignHostAreRefused() throws Exception {
        CompletableFuture<String> id = new CompletableFuture<>();
        sessions.setTerminalArrivedCallback(slot -> id.complete(slot.session().id()));
        try (WebReplClient client = WebReplClient.newClient();
             ReplConnection c = client.connect("127.0.0.1", server.port(), "pw").get(30, TimeUnit.SECONDS)) {
            id.get(30, TimeUnit.SECONDS);
            RawHttp.Response r = get(admin, "/sessions", "Host: attacker.example:" + admin.port() + "\r\n");
            assertEquals(403, r.status());
            assertEquals("application/json", r.header("Content-Type"));
            assertEquals("{\"error\":\"host not allowed\"}", r.body());
        }
    }

    @Test
    void loopbackNamesTheBindAddressAndAllowedHostsAreAnswered() throws Exception {
        int p = admin.port();
        for (String host : List.of("localhost:" + p, "LOCALHOST:" + p, "127.0.0.1:" + p, "127.1.2.3:" + p,
                "[::1]:" + p, "localhost", "admin.example:" + p, "admin.example:9", "proxy.example:443")) {
            RawHttp.Response r = get(admin, "/sessions", "Host: " + host + "\r\n");
            assertEquals(200, r.status(), host);
            assertEquals("[]", r.body(), host);
        }
        // HTTP/1.0 without Host: no browser sends that (e.g. a load balancer's health check).
        RawHttp.Response noHost = RawHttp.exchange(p, "GET /health HTTP/1.0\r\n", "");
        assertEquals(200, noHost.status());
    }

    @Test
    void otherHostsAreRefused() throws Exception {
        int p = admin.port();
        for (String host : List.of("attacker.example:" + p, "attacker.example", "localhost:" + (p + 1),
                "127.0.0.1:" + (p + 1), "127.0.0.1.nip.io:" + p, "localhost.attacker.example:" + p,
                "proxy.example:" + p, "10.1.2.3:" + p, "local host", "localhost:99999")) {
            RawHttp.Response r = get(admin, "/health", "Host: " + host + "\r\n");
            assertEquals(403, r.status(), host);
            assertEquals("{\"error\":\"host not allowed\"}", r.body(), host);
        }
        RawHttp.Response two = get(admin, "/health", "Host: localhost:" + p + "\r\nHost: attacker.example\r\n");
        assertEquals(403, two.status());
    }

    @Test
    void aGetNeverDrains() throws Exception {
        RawHttp.Response r = get(admin, "/drain", "Host: 127.0.0.1:" + admin.port() + "\r\n");
        assertEquals(405, r.status());
        assertEquals("POST", r.header("Allow"));
        assertFalse(sessions.isDraining());
    }

    @Test
    void deleteOfASessionNeedsTheConfirmationHeader() throws Exception {
        CompletableFuture<String> id = new CompletableFuture<>();
        sessions.setTerminalArrivedCallback(slot -> id.complete(slot.session().id()));
        try (WebReplClient client = WebReplClient.newClient();
             ReplConnection c = client.connect("127.0.0.1", server.port(), "pw").get(30, TimeUnit.SECONDS)) {
            String sid = id.get(30, TimeUnit.SECONDS);
            RawHttp.Response r = RawHttp.exchange(admin.port(), "DELETE /sessions/" + sid + " HTTP/1.1\r\n"
                    + "Host: 127.0.0.1:" + admin.port() + "\r\n", "");
            assertEquals(403, r.status());
            assertEquals("{\"error\":\"a state-changing request needs the header X-Webrepl-Admin: 1\"}", r.body());
            assertTrue(sessions.find(sid).isPresent());
        }
    }

    @Test
    void undrainTakesNewSessionsAgain() throws Exception {
        String host = "Host: 127.0.0.1:" + admin.port() + "\r\n";
        assertEquals(202, post(admin, "/drain", host + CONFIRM, "").status());
        RawHttp.Response health = get(admin, "/health", host);
        assertEquals(503, health.status());
        assertTrue(health.body().startsWith("{\"status\":\"draining\""), health.body());
        try (WebReplClient client = WebReplClient.newClient()) {
            assertThrows(ExecutionException.class,
                    () -> client.connect("127.0.0.1", server.port(), "pw").get(30, TimeUnit.SECONDS));
        }

        RawHttp.Response r = post(admin, "/undrain", host + CONFIRM, "");
        assertEquals(200, r.status());
        assertEquals("{\"status\":\"accepting\",\"sessions\":0}", r.body());
        assertFalse(sessions.isDraining());
        assertEquals(200, get(admin, "/health", host).status());
        assertNewSessionOpens();
    }

    @Test
    void undrainNeedsPostAndTheConfirmationHeader() throws Exception {
        String host = "Host: 127.0.0.1:" + admin.port() + "\r\n";
        sessions.drain();
        assertEquals(405, get(admin, "/undrain", host).status());
        RawHttp.Response form = post(admin, "/undrain", host + FORM, "x=1");
        assertEquals(403, form.status());
        assertTrue(sessions.isDraining());
    }

    @Test
    void withATokenEveryEndpointButHealthAndStaticFilesNeedsIt() throws Exception {
        String host = "Host: 127.0.0.1:" + guarded.port() + "\r\n";
        for (String path : List.of("/metrics", "/sessions", "/dashboard/data", "/nothing/here")) {
            RawHttp.Response r = get(guarded, path, host);
            assertEquals(401, r.status(), path);
            assertEquals("Bearer realm=\"webrepl admin\"", r.header("WWW-Authenticate"), path);
            assertEquals("{\"error\":\"missing or wrong bearer token (Authorization: Bearer TOKEN)\"}", r.body(), path);
            assertEquals(200, get(guarded, path.equals("/nothing/here") ? "/health" : path,
                    host + "Authorization: Bearer " + TOKEN + "\r\n").status(), path);
        }
        for (String path : List.of("/health", "/", "/dashboard", "/dashboard/dashboard.js")) {
            assertEquals(200, get(guarded, path, host).status(), path);
        }
    }

    @Test
    void drainWithATokenNeedsTheRightOne() throws Exception {
        String head = "Host: 127.0.0.1:" + guarded.port() + "\r\n" + CONFIRM;
        RawHttp.Response none = post(guarded, "/drain", head, "");
        assertEquals(401, none.status());
        assertEquals("Bearer realm=\"webrepl admin\"", none.header("WWW-Authenticate"));
        for (String wrong : List.of("Bearer wrong", "Bearer " + TOKEN + "x", "Bearer " + TOKEN.substring(1),
                "Basic " + TOKEN, TOKEN, "Bearer")) {
            RawHttp.Response r = post(guarded, "/drain", head + "Authorization: " + wrong + "\r\n", "");
            assertEquals(401, r.status(), wrong);
            assertEquals("{\"error\":\"missing or wrong bearer token (Authorization: Bearer TOKEN)\"}", r.body());
        }
        assertFalse(sessions.isDraining());

        RawHttp.Response right = post(guarded, "/drain", head + "Authorization: bearer " + TOKEN + "\r\n", "");
        assertEquals(202, right.status());
        assertEquals("{\"status\":\"draining\",\"sessions\":0}", right.body());
        assertTrue(sessions.isDraining());
    }

    @Test
    void aTokenFileIsItsFirstLineAndAnUnusableOneIsAOneLineError() throws Exception {
        Path good = Files.writeString(dir.resolve("token"), "  " + TOKEN + "  \nsecond line\n");
        assertEquals(TOKEN, AdminToken.readFirstLine(good));
        assertTrue(AdminToken.fromFile(good).accepts("Bearer " + TOKEN));
        assertEquals("AdminToken[hidden]", AdminToken.fromFile(good).toString());

        Path missing = dir.resolve("missing");
        assertEquals(missing + ": no such file",
                assertThrows(IllegalArgumentException.class, () -> AdminToken.fromFile(missing)).getMessage());
        Path empty = Files.writeString(dir.resolve("empty"), "\n");
        assertEquals(empty + ": its first line is empty; it must hold the token",
                assertThrows(IllegalArgumentException.class, () -> AdminToken.fromFile(empty)).getMessage());
        Path spaced = Files.writeString(dir.resolve("spaced"), "two words\n");
        assertEquals(spaced + ": the token must be visible ASCII characters, no spaces",
                assertThrows(IllegalArgumentException.class, () -> AdminToken.fromFile(spaced)).getMessage());
        Path directory = Files.createDirectory(dir.resolve("directory"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> AdminToken.fromFile(directory)).getMessage()
                .startsWith(directory + ": cannot be read: "));
    }

    @Test
    void anAllowedHostMustBeNameOrNameAndPort() {
        assertEquals("\"a b\" is not NAME or NAME:PORT", assertThrows(IllegalArgumentException.class,
                () -> AdminAccess.NONE.withAllowedHosts(List.of("a b"))).getMessage());
        assertThrows(IllegalArgumentException.class, () -> AdminAccess.NONE.withAllowedHosts(List.of("a:b")));
        assertThrows(IllegalArgumentException.class, () -> AdminAccess.NONE.withAllowedHosts(List.of("")));
    }

    @Test
    void aPrometheusScrapeNamingItsTargetIsAnswered() throws Exception {
        // Prometheus sends Host: TARGET (host:port as configured) and, with a token, the bearer header.
        String scrape = "Host: 127.0.0.1:%d\r\nUser-Agent: Prometheus/2.53.0\r\n"
                + "Accept: application/openmetrics-text;version=1.0.0;q=0.5,text/plain;version=0.0.4;q=0.4\r\n";
        RawHttp.Response open = get(admin, "/metrics", scrape.formatted(admin.port()));
        assertEquals(200, open.status());
        assertTrue(open.body().lines().anyMatch("webrepl_auth_lockouts_total 0.0"::equals), open.body());
        assertEquals(200, get(guarded, "/metrics", scrape.formatted(guarded.port())
                + "Authorization: Bearer " + TOKEN + "\r\n").status());
    }

    @Test
    void boundToAllAddressesTheAddressTheClientReachedIsAHostToo() throws Exception {
        // A literal address cannot be rebound: Host 10.1.2.3:P on a connection that reached 10.1.2.3:P is safe.
        AdminGuard guard = new AdminGuard("0.0.0.0", AdminAccess.NONE, false);
        InetSocketAddress local = new InetSocketAddress(InetAddress.getByAddress(new byte[] {10, 1, 2, 3}), 8267);
        assertEquals(null, guard.check(List.of("10.1.2.3:8267"), List.of(), null, local, false));
        assertEquals(null, guard.check(List.of("10.1.2.3:8267"), List.of("http://10.1.2.3:8267"), null, local, false));
        assertEquals(AdminGuard.Refusal.HOST, guard.check(List.of("10.9.9.9:8267"), List.of(), null, local, false));
        assertEquals(AdminGuard.Refusal.HOST, guard.check(List.of("webrepl.example:8267"), List.of(), null, local, false));
        AdminGuard named = new AdminGuard("webrepl.example", AdminAccess.NONE, true);
        assertEquals(null, named.check(List.of("webrepl.example:8267"), List.of("https://webrepl.example:8267"), null,
                local, false));
        assertEquals(AdminGuard.Refusal.ORIGIN, named.check(List.of("webrepl.example:8267"),
                List.of("http://webrepl.example:8267"), null, local, false));
    }

    /** A client logs in through the real server and its session appears. */
    private void assertNewSessionOpens() throws Exception {
        CompletableFuture<String> id = new CompletableFuture<>();
        sessions.setTerminalArrivedCallback(slot -> id.complete(slot.session().id()));
        try (WebReplClient client = WebReplClient.newClient();
             ReplConnection c = client.connect("127.0.0.1", server.port(), "pw").get(30, TimeUnit.SECONDS)) {
            assertTrue(sessions.find(id.get(30, TimeUnit.SECONDS)).isPresent());
        } finally {
            sessions.setTerminalArrivedCallback(null);
        }
    }

    private static RawHttp.Response get(AdminServer to, String path, String headers) throws IOException {
        return RawHttp.exchange(to.port(), "GET " + path + " HTTP/1.1\r\n" + headers, "");
    }

    private static RawHttp.Response post(AdminServer to, String path, String headers, String body) throws IOException {
        return RawHttp.exchange(to.port(), "POST " + path + " HTTP/1.1\r\n" + headers, body);
    }
}
