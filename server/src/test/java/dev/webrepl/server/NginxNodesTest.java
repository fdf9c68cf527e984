package dev.webrepl.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.webrepl.core.files.FileStore;
import dev.webrepl.core.protocol.PasswordCheck;
import dev.webrepl.dupterm.SessionConfig;
import dev.webrepl.dupterm.SessionIds;
import dev.webrepl.dupterm.TerminalMode;
import dev.webrepl.engines.echo.EchoEvaluator;
import dev.webrepl.metrics.AdminOptions;
import dev.webrepl.metrics.WebReplMetrics;
import dev.webrepl.transport.client.ReplConnection;
import dev.webrepl.transport.client.WebReplClient;
import dev.webrepl.transport.server.ServerOptions;
import io.micrometer.core.instrument.Tags;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue #10: two nodes behind nginx, configured by {@code deploy/nginx/webrepl.conf} itself (only its
 * ports replaced). New sessions spread over the nodes, {@code /session/NODE.…} reaches the owner,
 * a drained node takes no new sessions while its own carry on, and a node that stops ends its own
 * sessions only. Everything on 127.0.0.1; skipped without nginx (fails under
 * {@code -Dwebrepl.requireNginx=true}).
 */
@Timeout(120)
class NginxNodesTest {
    static final String PASSWORD = "nodes";
    static final Path SITE = Path.of("").toAbsolutePath().resolveSibling("deploy")
            .resolve(Path.of("nginx", "webrepl.conf"));
    /** The addresses the shipped configuration names; the test puts its nodes' ports there. */
    static final String NODE_A_ADDRESS = "127.0.0.1:8266";
    static final String NODE_B_ADDRESS = "127.0.0.1:8268";
    static final String PUBLIC_LISTEN = "listen 8080;";
    /** A bound on the sessions opened to see both nodes used (round robin needs 2). */
    static final int MAX_SPREAD_SESSIONS = 10;

    @TempDir
    Path files;
    @TempDir
    Path nginxDir;

    private final List<AutoCloseable> owned = new ArrayList<>();
    private final List<ReplConnection> connections = new ArrayList<>();
    private WebReplClient client;
    private NginxProxy nginx;

    @AfterEach
    void stop() throws Exception {
        for (ReplConnection c : connections) {
            c.close();
        }
        if (client != null) {
            client.close();
        }
        // Reverse order: nginx before the nodes it forwards to.
        for (int i = owned.size() - 1; i >= 0; i--) {
            owned.get(i).close();
        }
    }

    private MonitoredServer node(String name) throws IOException {
        Path root = Files.createDirectories(files.resolve(name));
        ServerOptions options = ServerOptions.of(PasswordCheck.plain(PASSWORD), new FileStore(root)).withPort(0);
        MonitoredServer node = MonitoredServer.start(options, EchoEvaluator::engine,
                SessionConfig.DEFAULTS.withWorkingDirectory(root), new WebReplMetrics(Tags.of("node", name)),
                new AdminOptions("127.0.0.1", 0), Map::of, name);
        owned.add(node);
        return node;
    }

    /** A terminal through nginx on {@code path}, logged in. */
    private Terminal open(String path) {
        ReplConnection c = client.connectPath("127.0.0.1", nginx.port(), path).join();
        connections.add(c);
        Transcript out = Transcript.of(c);
        c.login(PASSWORD).join();
        return new Terminal(c, out);
    }

    private Terminal newSession() {
        Terminal t = open("/");
        t.id = t.out.awaitSessionId();
        return t;
    }

    private record Typed(String word) {
        String echo() {
            return word + "\r\n" + EchoEvaluator.PROMPT;
        }
    }

    private static final class Terminal {
        final ReplConnection connection;
        final Transcript out;
        String id;

        Terminal(ReplConnection connection, Transcript out) {
            this.connection = connection;
            this.out = out;
        }

        String node() {
            return SessionIds.nodeOf(id).orElseThrow(() -> new AssertionError("no node in " + id));
        }

        /** Types a line and waits for its echo; the other terminals given see it too. */
        void typeAndSee(String word, Terminal... others) {
            Typed typed = new Typed(word);
            connection.send(word + "\r").join();
            out.awaitEndsWith(typed.echo());
            for (Terminal o : others) {
                o.out.awaitEndsWith(typed.echo());
            }
        }
    }

    @Test
    @DisplayName("two nodes behind nginx: spread, affinity by id, drain moves new sessions, a stop ends its own only")
    void twoNodesBehindNginx() throws Exception {
        Path binary = NginxProxy.requireBinary();
        MonitoredServer a = node("node-a");
        MonitoredServer b = node("node-b");
        String site = NginxProxy.read(SITE);
        assertTrue(site.contains(NODE_A_ADDRESS) && site.contains(NODE_B_ADDRESS), "addresses in " + SITE);
        site = site.replace(NODE_A_ADDRESS, "127.0.0.1:" + a.server().port())
                .replace(NODE_B_ADDRESS, "127.0.0.1:" + b.server().port());
        nginx = NginxProxy.start(binary, nginxDir, site, PUBLIC_LISTEN);
        owned.add(nginx);
        client = WebReplClient.newClient();

        // 1. New sessions through nginx until both nodes hold some; each id names the node holding it.
        Map<String, Terminal> firstOn = new LinkedHashMap<>();
        List<Terminal> sessions = new ArrayList<>();
        while (firstOn.size() < 2 && sessions.size() < MAX_SPREAD_SESSIONS) {
            Terminal t = newSession();
            sessions.add(t);
            firstOn.putIfAbsent(t.node(), t);
        }
        assertEquals(List.of("node-a", "node-b"), firstOn.keySet().stream().sorted().toList(),
                "nodes used by " + sessions.size() + " new sessions");
        for (Terminal t : sessions) {
            MonitoredServer owner = t.node().equals("node-a") ? a : b;
            MonitoredServer other = owner == a ? b : a;
            assertTrue(owner.server().sessions().find(t.id).isPresent(), t.id + " on its node");
            assertTrue(other.server().sessions().find(t.id).isEmpty(), t.id + " only on its node");
        }
        Terminal onA = firstOn.get("node-a");
        Terminal onB = firstOn.get("node-b");

        // 2. A viewer on a session of each node, through nginx: it sees that session's output.
        Terminal viewA = open("/session/" + onA.id + "?mode=view");
        Terminal viewB = open("/session/" + onB.id + "?mode=view");
        onA.typeAndSee("alpha", viewA);
        onB.typeAndSee("bravo", viewB);
        assertEquals(1, a.server().sessions().find(onA.id).orElseThrow().terminals(TerminalMode.VIEW));
        assertEquals(1, b.server().sessions().find(onB.id).orElseThrow().terminals(TerminalMode.VIEW));

        // 3. Drain node-a through its admin listener: new sessions go to node-b, node-a's live on,
        // and still take attaches.
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        URI adminA = URI.create("http://127.0.0.1:" + a.admin().port());
        HttpResponse<String> drained = http.send(HttpRequest.newBuilder(adminA.resolve("/drain"))
                .timeout(Duration.ofSeconds(10)).header("X-Webrepl-Admin", "1")
                .POST(HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(202, drained.statusCode(), drained.body());
        HttpResponse<String> health = http.send(HttpRequest.newBuilder(adminA.resolve("/health"))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(503, health.statusCode());
        assertTrue(health.body().startsWith("{\"status\":\"draining\""), health.body());
        int onAWhenDrained = a.server().sessions().size();
        List<Terminal> afterDrain = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            afterDrain.add(newSession());
        }
        assertEquals(List.of("node-b", "node-b", "node-b", "node-b"), afterDrain.stream().map(Terminal::node).toList(),
                "nginx's log:\n" + nginx.log());
        assertEquals(onAWhenDrained, a.server().sessions().size());
        onA.typeAndSee("charlie", viewA);
        Terminal secondViewA = open("/session/" + onA.id + "?mode=view");
        onA.typeAndSee("delta", viewA, secondViewA);

        // 4. Stop node-a: its terminals are closed (1001 through nginx); node-b's sessions are untouched,
        // and new sessions still open (on node-b).
        int onB0 = b.server().sessions().size();
        a.close();
        onA.out.awaitClosed();
        viewA.out.awaitClosed();
        secondViewA.out.awaitClosed();
        assertEquals(onB0, b.server().sessions().size());
        onB.typeAndSee("echo", viewB);
        for (Terminal t : afterDrain) {
            t.typeAndSee("foxtrot");
        }
        assertEquals("node-b", newSession().node());
    }
}
