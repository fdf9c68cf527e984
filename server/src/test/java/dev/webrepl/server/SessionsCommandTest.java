package dev.webrepl.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.webrepl.dupterm.Session;
import dev.webrepl.transport.client.ListedSession;
import dev.webrepl.transport.client.ReplConnection;
import dev.webrepl.transport.client.WebReplClient;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@code webrepl sessions HOST:PORT}: the server's sessions as a table (PROTOCOL.md §10). */
@Timeout(60)
class SessionsCommandTest extends CliTestBase {
    private final WebReplClient client = WebReplClient.newClient();
    private final List<ReplConnection> connections = new ArrayList<>();

    @AfterEach
    void closeClient() {
        connections.forEach(ReplConnection::close);
        client.close();
    }

    private ReplConnection logIn(String path) {
        ReplConnection c = client.connectPath("127.0.0.1", server.port(), path).join();
        connections.add(c);
        c.login("secret").join();
        return c;
    }

    @Test
    void printsOneLineASessionWithEngineAgeAndTerminalsButNotItsOwn() {
        logIn("/");
        awaitTerminals(1);
        String first = server.sessions().sessions().iterator().next().id();
        logIn("/");
        awaitTerminals(2);
        String second = server.sessions().sessions().stream().map(Session::id).filter(id -> !id.equals(first))
                .findFirst().orElseThrow();
        logIn("/session/" + first);
        logIn("/session/" + second + "?mode=view");
        awaitTerminals(4);
        String older = created(first).isAfter(created(second)) ? second : first;

        assertEquals(0, cli().execute("sessions", "127.0.0.1:" + server.port(), "-p", "secret"), err::toString);
        List<String> lines = out.toString().lines().toList();
        assertEquals(3, lines.size(), out::toString);
        assertTrue(lines.get(0).matches("ID {22}ENGINE  AGE +TERMINALS"), lines.get(0));
        String firstLine = first + "  echo    \\d+ s +2";
        String secondLine = second + "  echo    \\d+ s +1 \\+ 1 viewer";
        assertTrue(lines.get(1).matches(older.equals(first) ? firstLine : secondLine), out::toString);
        assertTrue(lines.get(2).matches(older.equals(first) ? secondLine : firstLine), out::toString);
        assertEquals("", err.toString());
    }

    @Test
    void theTablePadsItsColumnsAndEscapesTheEngineName() {
        Instant now = Instant.parse("2026-12-06T10:00:00Z");
        assertEquals(List.of(
                        "ID           ENGINE    AGE        TERMINALS",
                        "a            jshell    2 h 5 min  1",
                        "node.bbbbbb  proc\\x1b  0 s        0 + 2 viewers"),
                SessionsCommand.table(List.of(
                        new ListedSession("a", "jshell", now.minus(Duration.ofMinutes(125)), 1, 0, false),
                        new ListedSession("node.bbbbbb", "proc\u001b", now.plusSeconds(3), 0, 2, false)), now));
        assertEquals(List.of("ID  ENGINE  AGE  TERMINALS"), SessionsCommand.table(List.of(), now));
    }

    @Test
    void theAgeIsInWords() {
        assertEquals(List.of("0 s", "59 s", "1 min", "59 min", "1 h", "1 h 5 min", "47 h 59 min", "2 days"),
                List.of(0, 59, 60, 3599, 3600, 3900, 48 * 3600 - 60, 48 * 3600).stream()
                        .map(s -> SessionsCommand.age(Duration.ofSeconds(s))).toList());
        assertEquals("0 s", SessionsCommand.age(Duration.ofSeconds(-5)), "a clock behind the server's");
    }

    private Instant created(String id) {
        return server.sessions().find(id).orElseThrow().created();
    }

    /** Polls the registry (it has no signal for an attach) until {@code n} terminals are attached. */
    private void awaitTerminals(int n) {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (server.sessions().sessions().stream().mapToInt(Session::terminals).sum() != n) {
            assertTrue(System.nanoTime() < deadline, "waiting for " + n + " terminals");
            LockSupport.parkNanos(Duration.ofMillis(10).toNanos());
        }
    }
}
