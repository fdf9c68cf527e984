package dev.webrepl.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.webrepl.transport.client.ListedSession;
import dev.webrepl.transport.client.ReplConnection;
import dev.webrepl.transport.client.WebReplClient;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@code webrepl sessions HOST:PORT}: the server's sessions as a table (PROTOCOL.md §10). */
@Timeout(60)
class SessionsCommandTest extends CliTestBase {
    private final WebReplClient client = WebReplClient.newClient();
    private final List<ReplConnection> connections = new ArrayList<>();
    private final BlockingQueue<String> arrivals = new LinkedBlockingQueue<>();

    @AfterEach
    void closeClient() {
        connections.forEach(ReplConnection::close);
        client.close();
    }

    /** Logs a terminal in at {@code path} and returns its session's id once the server says it has arrived. */
    private String logIn(String path) throws InterruptedException {
        server.setConnectionArrivedCallback(slot -> arrivals.add(slot.session().id()));
        ReplConnection c = client.connectPath("127.0.0.1", server.port(), path).join();
        connections.add(c);
        c.login("secret").join();
        String id = arrivals.poll(20, TimeUnit.SECONDS);
        assertNotNull(id, "no terminal arrived at " + path);
        return id;
    }

    @Test
    void printsOneLineASessionWithEngineAgeAndTerminalsButNotItsOwn() throws Exception {
        String first = logIn("/");
        String second = logIn("/");
        assertEquals(first, logIn("/session/" + first));
        assertEquals(second, logIn("/session/" + second + "?mode=view"));
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
                        "node.bbbbbb  proc\\x1b  0 s        0 + 2 viewers",
                        "c            jshell    1 min      1 (hibernated)"),
                SessionsCommand.table(List.of(
                        new ListedSession("a", "jshell", now.minus(Duration.ofMinutes(125)), 1, 0, false),
                        new ListedSession("node.bbbbbb", "proc\u001b", now.plusSeconds(3), 0, 2, false),
                        new ListedSession("c", "jshell", now.minusSeconds(60), 1, 0, false, true)), now));
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
}
