package dev.webrepl.metrics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.jr.ob.JSON;
import dev.webrepl.core.files.FileStore;
import dev.webrepl.core.protocol.PasswordCheck;
import dev.webrepl.dupterm.Session;
import dev.webrepl.dupterm.SessionConfig;
import dev.webrepl.dupterm.SessionRegistry;
import dev.webrepl.engines.echo.EchoEvaluator;
import dev.webrepl.transport.client.ReplConnection;
import dev.webrepl.transport.client.WebReplClient;
import dev.webrepl.transport.server.ServerOptions;
import dev.webrepl.transport.server.WebReplServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AdminServerTest {
    private static final int MAX_SESSIONS = 2;
    private static final Pattern SESSION_LINE = Pattern.compile("webrepl: session /session/([A-Za-z0-9_-]{22})\r\n");

    @TempDir
    Path dir;

    private final AtomicBoolean listening = new AtomicBoolean(true);
    private final HttpClient http = HttpClient.newHttpClient();
    private final List<ReplConnection> connections = new ArrayList<>();
    private WebReplMetrics metrics;
    private SessionRegistry sessions;
    private WebReplServer server;
    private AdminServer admin;
    private WebReplClient client;

    @BeforeEach
    void start() throws IOException {
        metrics = new WebReplMetrics();
        sessions = new SessionRegistry(EchoEvaluator::engine, new SecureRandom(),
                SessionConfig.DEFAULTS.withMaxSessions(MAX_SESSIONS), metrics.sessionRecorder());
        metrics.bind(sessions);
        server = WebReplServer.start(ServerOptions.of(PasswordCheck.plain("pw"), new FileStore(dir)).withPort(0)
                .withRecorder(metrics.connectionRecorder()), sessions);
        admin = AdminServer.start(AdminOptions.DEFAULTS.withPort(0), metrics, sessions,
                () -> new ServerHealth(listening.get(), Map.of("kind", "echo")));
        client = WebReplClient.newClient();
    }

    @AfterEach
    void stop() {
        connections.forEach(ReplConnection::close);
        client.close();
        admin.close();
        server.close();
        metrics.close();
    }

    @Test
    void eachConnectionServesOneRequestAndIsClosed() throws Exception {
        // Reactor Netty's keep-alive can leave a next request unread (AdminServer.start says why): none is taken.
        try (java.net.Socket s = new java.net.Socket(java.net.InetAddress.getLoopbackAddress(), admin.port())) {
            s.setSoTimeout(30_000); // with keep-alive the server never ends the connection: fail, do not wait for ever
            s.getOutputStream().write(("GET /health HTTP/1.1\r\nHost: 127.0.0.1:" + admin.port() + "\r\n\r\n"
                    + "GET /health HTTP/1.1\r\nHost: 127.0.0.1:" + admin.port() + "\r\n\r\n")
                    .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            String answer = new String(s.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII);
            assertTrue(answer.startsWith("HTTP/1.1 200 OK\r\n"), answer);
            assertTrue(answer.toLowerCase(java.util.Locale.ROOT).contains("\r\nconnection: close\r\n"), answer);
            assertEquals(1, answer.split("HTTP/1.1 ", -1).length - 1, "one answer, then the end: " + answer);
        }
    }

    @Test
    void metricsAreThePrometheusTextFormat() throws Exception {
        HttpResponse<String> r = get("/metrics");
        assertEquals(200, r.statusCode());
        assertEquals("text/plain; version=0.0.4; charset=utf-8", r.headers().firstValue("Content-Type").orElseThrow());
        assertEquals("no-store", r.headers().firstValue("Cache-Control").orElseThrow());
        assertTrue(r.body().lines().anyMatch("webrepl_auth_lockouts_total 0.0"::equals), r.body());
    }

    @Test
    void healthIsUpWhileListeningBelowTheSessionLimit() throws Exception {
        HttpResponse<String> r = get("/health");
        assertEquals(200, r.statusCode());
        assertEquals("application/json", r.headers().firstValue("Content-Type").orElseThrow());
        assertEquals("no-store", r.headers().firstValue("Cache-Control").orElseThrow());
        assertEquals("{\"status\":\"up\",\"listening\":true,\"sessions\":0,\"maxSessions\":2,"
                + "\"enginePool\":{\"kind\":\"echo\"}}", r.body());
    }

    @Test
    void healthIsDownWhenTheServerIsNotListening() throws Exception {
        listening.set(false);
        HttpResponse<String> r = get("/health");
        assertEquals(503, r.statusCode());
        assertEquals("{\"status\":\"down\",\"listening\":false,\"sessions\":0,\"maxSessions\":2,"
                + "\"enginePool\":{\"kind\":\"echo\"}}", r.body());
    }

    @Test
    void healthIsDownAtTheSessionLimit() throws Exception {
        open();
        open();
        HttpResponse<String> r = get("/health");
        assertEquals(503, r.statusCode());
        assertEquals("{\"status\":\"down\",\"listening\":true,\"sessions\":2,\"maxSessions\":2,"
                + "\"enginePool\":{\"kind\":\"echo\"}}", r.body());
    }

    @Test
    void sessionsListsEachSessionWithItsTerminalsAndBytes() throws Exception {
        Terminal t = open();
        t.connection.send("hello\r");
        t.await("hello\r\nhello\r\n>>> ");
        Session session = sessions.find(t.id).orElseThrow();

        HttpResponse<String> r = get("/sessions");
        assertEquals(200, r.statusCode());
        assertEquals("application/json", r.headers().firstValue("Content-Type").orElseThrow());
        List<Object> list = JSON.std.listFrom(r.body());
        assertEquals(1, list.size());
        @SuppressWarnings("unchecked")
        Map<String, Object> s = (Map<String, Object>) list.get(0);
        assertEquals(List.of("id", "engine", "created", "terminals", "viewers", "bytesIn", "bytesOut", "lastActivity",
                        "hibernated"), List.copyOf(s.keySet()));
        assertEquals(t.id, s.get("id"));
        assertEquals("echo", s.get("engine"));
        assertEquals(session.created(), Instant.parse((String) s.get("created")));
        assertEquals(1, ((Number) s.get("terminals")).intValue());
        assertEquals(0, ((Number) s.get("viewers")).intValue());
        assertEquals(6L, ((Number) s.get("bytesIn")).longValue());
        assertEquals(session.outputBytes(), ((Number) s.get("bytesOut")).longValue());
        assertEquals(session.lastActivity(), Instant.parse((String) s.get("lastActivity")));
        assertEquals(false, s.get("hibernated"));
    }

    @Test
    void deleteEndsTheSessionForItsTerminals() throws Exception {
        Terminal t = open();
        HttpResponse<String> r = send(HttpRequest.newBuilder(uri("/sessions/" + t.id)).header("X-Webrepl-Admin", "1").DELETE());
        assertEquals(204, r.statusCode());
        assertEquals("", r.body());
        t.connection.onClose().get(30, TimeUnit.SECONDS);
        assertTrue(t.text().endsWith("\r\nsession ended: ended by an administrator\r\n"), t.text());
        assertTrue(sessions.find(t.id).isEmpty());
        assertEquals(1.0, metrics.registry().get("webrepl.sessions.ended").tag("reason", "ended").counter().count());
    }

    @Test
    void deleteOfAnUnknownSessionIsNotFound() throws Exception {
        HttpResponse<String> r = send(HttpRequest.newBuilder(uri("/sessions/no-such-id")).header("X-Webrepl-Admin", "1").DELETE());
        assertEquals(404, r.statusCode());
        assertEquals("application/json", r.headers().firstValue("Content-Type").orElseThrow());
        assertEquals("{\"error\":\"no such session: no-such-id\"}", r.body());
    }

    @Test
    void otherMethodsAreNotAllowed() throws Exception {
        HttpResponse<String> post = send(HttpRequest.newBuilder(uri("/metrics"))
                .POST(HttpRequest.BodyPublishers.ofString("x")));
        assertEquals(405, post.statusCode());
        assertEquals("GET", post.headers().firstValue("Allow").orElseThrow());
        HttpResponse<String> deleteAll = send(HttpRequest.newBuilder(uri("/sessions")).DELETE());
        assertEquals(405, deleteAll.statusCode());
        HttpResponse<String> getOne = get("/sessions/abc");
        assertEquals(405, getOne.statusCode());
        assertEquals("DELETE", getOne.headers().firstValue("Allow").orElseThrow());
    }

    @Test
    void unknownPathsAreNotFound() throws Exception {
        HttpResponse<String> r = get("/nothing/here");
        assertEquals(404, r.statusCode());
        assertEquals("{\"error\":\"no such resource: /nothing/here\"}", r.body());
    }

    @Test
    void theDashboardIsServedWithUplotFromItsWebJar() throws Exception {
        HttpResponse<String> page = get("/dashboard");
        assertEquals(200, page.statusCode());
        assertEquals("text/html; charset=utf-8", page.headers().firstValue("Content-Type").orElseThrow());
        assertTrue(page.headers().firstValue("Content-Security-Policy").orElseThrow().startsWith("default-src 'self'"));
        for (String id : List.of("chart-sessions", "chart-terminals", "chart-throughput", "chart-echo",
                "chart-transfers", "chart-deactivations")) {
            assertTrue(page.body().contains("id=\"" + id + "\""), id);
        }
        HttpResponse<byte[]> script = http.send(HttpRequest.newBuilder(uri("/dashboard/uPlot.iife.min.js")).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertEquals("text/javascript; charset=utf-8", script.headers().firstValue("Content-Type").orElseThrow());
        assertArrayEquals(webJar("uPlot.iife.min.js"), script.body());
        HttpResponse<byte[]> style = http.send(HttpRequest.newBuilder(uri("/dashboard/uPlot.min.css")).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertEquals("text/css; charset=utf-8", style.headers().firstValue("Content-Type").orElseThrow());
        assertArrayEquals(webJar("uPlot.min.css"), style.body());
        assertEquals("text/javascript; charset=utf-8",
                get("/dashboard/dashboard.js").headers().firstValue("Content-Type").orElseThrow());
        assertEquals("text/css; charset=utf-8",
                get("/dashboard/dashboard.css").headers().firstValue("Content-Type").orElseThrow());
    }

    @Test
    void dashboardDataIsOneColumnPerSeries() throws Exception {
        HttpResponse<String> r = get("/dashboard/data");
        assertEquals(200, r.statusCode());
        assertEquals("no-store", r.headers().firstValue("Cache-Control").orElseThrow());
        Map<String, Object> data = JSON.std.mapFrom(r.body());
        assertEquals(List.of("intervalSeconds", "capacity", "t", "series"), List.copyOf(data.keySet()));
        assertEquals(AdminServer.HISTORY, ((Number) data.get("capacity")).intValue());
        @SuppressWarnings("unchecked")
        Map<String, List<Object>> series = (Map<String, List<Object>>) data.get("series");
        assertEquals(List.of("sessions", "readWriteTerminals", "viewers", "bytesInPerSecond", "bytesOutPerSecond",
                "echoP50Millis", "echoP99Millis", "transfers", "failedTransfers", "disconnects", "deactivations"),
                List.copyOf(series.keySet()));
        int samples = ((List<?>) data.get("t")).size();
        series.forEach((name, column) -> assertEquals(samples, column.size(), name));
    }

    private byte[] webJar(String file) throws IOException {
        String resource = "META-INF/resources/webjars/uplot/" + admin.uplotVersion() + "/dist/" + file;
        try (InputStream in = getClass().getClassLoader().getResourceAsStream(resource)) {
            return in.readAllBytes();
        }
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + admin.port() + path);
    }

    private HttpResponse<String> get(String path) throws Exception {
        return send(HttpRequest.newBuilder(uri(path)));
    }

    private HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    /** Opens a session through the real server and waits for the line that names it. */
    private Terminal open() throws Exception {
        ReplConnection c = client.connect("127.0.0.1", server.port(), "pw").get(30, TimeUnit.SECONDS);
        connections.add(c);
        Terminal t = new Terminal(c);
        Matcher m = SESSION_LINE.matcher(t.await(all -> SESSION_LINE.matcher(all).find()));
        assertTrue(m.find(), t.text());
        t.id = m.group(1);
        return t;
    }

    /** A client connection's terminal output, collected as it arrives. */
    private static final class Terminal {
        final ReplConnection connection;
        private final StringBuilder seen = new StringBuilder();
        private final List<Map.Entry<Predicate<String>, CompletableFuture<String>>> waiting = new ArrayList<>();
        String id;

        Terminal(ReplConnection connection) {
            this.connection = connection;
            connection.output().subscribe(bytes -> {
                synchronized (seen) {
                    seen.append(new String(bytes, StandardCharsets.UTF_8));
                    String all = seen.toString();
                    waiting.removeIf(w -> w.getKey().test(all) && w.getValue().complete(all));
                }
            });
        }

        /** Waits until the output contains {@code text}; answers all the output so far. */
        String await(String text) throws Exception {
            return await(all -> all.contains(text));
        }

        String await(Predicate<String> condition) throws Exception {
            CompletableFuture<String> f = new CompletableFuture<>();
            synchronized (seen) {
                String all = seen.toString();
                if (condition.test(all)) {
                    return all;
                }
                waiting.add(Map.entry(condition, f));
            }
            return f.get(30, TimeUnit.SECONDS);
        }

        String text() {
            synchronized (seen) {
                return seen.toString();
            }
        }
    }
}
