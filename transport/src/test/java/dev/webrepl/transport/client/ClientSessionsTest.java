package dev.webrepl.transport.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.webrepl.core.files.FileStatus;
import dev.webrepl.dupterm.Session;
import dev.webrepl.transport.conformance.ServerTestBase;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@link ReplConnection#sessions()} against the real server on loopback (PROTOCOL.md §10). */
@Timeout(60)
class ClientSessionsTest extends ServerTestBase {
    private final WebReplClient client = WebReplClient.newClient();
    private final List<ReplConnection> open = new ArrayList<>();

    @AfterEach
    void closeClient() {
        open.forEach(ReplConnection::close);
        client.close();
    }

    private ReplConnection logIn(String path) {
        ReplConnection c = client.connectPath("127.0.0.1", server.port(), path).join();
        open.add(c);
        c.login(PASSWORD).join();
        return c;
    }

    /** The id of the one session not in {@code known} (the login's answer comes before the session opens). */
    private String newSession(Set<String> known) {
        await("a new session", () -> server.sessions().size() == known.size() + 1);
        return server.sessions().sessions().stream().map(Session::id).filter(id -> !known.contains(id))
                .findFirst().orElseThrow();
    }

    private ListedSession expected(String id, int terminals, int viewers, boolean current) {
        Session s = server.sessions().find(id).orElseThrow();
        return new ListedSession(id, "echo", s.created(), terminals, viewers, current);
    }

    @Test
    void listsEverySessionWithEngineCreationAndTerminalsAndMarksTheAskersOwn() {
        ReplConnection a = logIn("/");
        String idA = newSession(Set.of());
        ReplConnection b = logIn("/");
        String idB = newSession(Set.of(idA));
        logIn("/session/" + idA);
        ReplConnection viewer = logIn("/session/" + idB + "?mode=view");
        await("four terminals attached", () -> server.sessions().sessions().stream().mapToInt(Session::terminals).sum() == 4);

        Comparator<ListedSession> oldestFirst = Comparator.comparing(ListedSession::created)
                .thenComparing(ListedSession::id);
        List<ListedSession> fromA = a.sessions().join();
        assertEquals(List.of(expected(idA, 2, 0, true), expected(idB, 1, 1, false)).stream().sorted(oldestFirst).toList(),
                fromA);
        assertEquals(List.of(expected(idA, 2, 0, false), expected(idB, 1, 1, true)).stream().sorted(oldestFirst).toList(),
                b.sessions().join());

        // A viewer may only watch (PROTOCOL.md §8); its connection stays in step.
        CompletionException refused = assertThrows(CompletionException.class, () -> viewer.sessions().join());
        assertEquals(FileStatus.PERMISSION_DENIED, assertInstanceOf(FileTransferException.class, refused.getCause()).status());
        assertEquals(3, viewer.version().join().length);
    }

    @Test
    void aSessionThatHasEndedIsNoLongerListed() {
        ReplConnection a = logIn("/");
        String idA = newSession(Set.of());
        logIn("/");
        String idB = newSession(Set.of(idA));
        server.sessions().find(idB).orElseThrow().end(1000, "ended by an administrator", "ended");
        await("the session has left the registry", () -> server.sessions().find(idB).isEmpty());
        assertEquals(List.of(expected(idA, 1, 0, true)), a.sessions().join());
    }

    @Test
    void featuresNameSessionsLast() {
        ReplConnection a = logIn("/");
        List<String> features = List.copyOf(a.features().join());
        assertEquals("sessions", features.get(features.size() - 1));
    }

    @Test
    void fieldsTheClientDoesNotKnowAreSkippedAndAMissingOneIsAnError() throws IOException {
        assertEquals(List.of(new ListedSession("x", "jshell", Instant.ofEpochMilli(1), 2, 0, true)),
                SessionsTransfer.decode(utf8("[{\"id\":\"x\",\"engine\":\"jshell\",\"owner\":\"ann\",\"created\":1,"
                        + "\"terminals\":2,\"viewers\":0,\"current\":true}]")));
        assertEquals("malformed session list: \"engine\" is missing",
                assertThrows(IOException.class, () -> SessionsTransfer.decode(
                        utf8("[{\"id\":\"x\",\"created\":1,\"terminals\":1,\"viewers\":0,\"current\":true}]")))
                        .getMessage());
        assertThrows(IOException.class, () -> SessionsTransfer.decode(utf8("{\"id\":\"x\"}")));
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
