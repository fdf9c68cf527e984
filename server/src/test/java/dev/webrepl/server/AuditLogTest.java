package dev.webrepl.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.webrepl.core.files.FileStore;
import dev.webrepl.core.protocol.PasswordCheck;
import dev.webrepl.dupterm.SessionConfig;
import dev.webrepl.engines.echo.EchoEvaluator;
import dev.webrepl.metrics.WebReplMetrics;
import dev.webrepl.metrics.audit.AuditLogFile;
import dev.webrepl.transport.client.FileTransferException;
import dev.webrepl.transport.client.LoginFailedException;
import dev.webrepl.transport.client.ReplConnection;
import dev.webrepl.transport.client.TransferProgress;
import dev.webrepl.transport.client.WebReplClient;
import dev.webrepl.transport.server.ServerOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The audit log of a real server, line by line: a failed login, a login, the session opened, a
 * viewer attached, a PUT and two GETs with their bytes and status, and the session's end with its reason.
 */
class AuditLogTest {
    private static final String TIME = "\\{\"time\":\"\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z\",";

    @TempDir
    Path dir;

    @Test
    void loginsSessionsAndFileOperationsAreOneJsonLineEach() throws Exception {
        Path root = Files.createDirectories(dir.resolve("root"));
        Path upload = Files.writeString(dir.resolve("upload.txt"), "audit test 123\n");
        Path log = dir.resolve("audit.log");
        String id;
        try (MonitoredServer server = MonitoredServer.start(
                ServerOptions.of(PasswordCheck.plain("pw"), new FileStore(root)).withPort(0),
                EchoEvaluator::engine, SessionConfig.DEFAULTS.withLinger(Duration.ZERO), new WebReplMetrics(),
                null, () -> Map.of("kind", "echo"), null, null, null, AuditLogFile.open(log));
             WebReplClient client = WebReplClient.newClient()) {
            int port = server.server().port();
            ExecutionException wrong = assertThrows(ExecutionException.class,
                    () -> client.connect("127.0.0.1", port, "wrong").get(30, TimeUnit.SECONDS));
            assertInstanceOf(LoginFailedException.class, wrong.getCause());
            try (ReplConnection connection = client.connect("127.0.0.1", port, "pw").get(30, TimeUnit.SECONDS)) {
                id = Transcript.of(connection).awaitSessionId();
                ReplConnection viewer = client.connectPath("127.0.0.1", port, "/session/" + id + "?mode=view")
                        .get(30, TimeUnit.SECONDS);
                viewer.login("pw").get(30, TimeUnit.SECONDS);
                Transcript.of(viewer).awaitSessionId();
                viewer.close();
                assertEquals(15L, connection.put(upload, "upload.txt", TransferProgress.NONE).get(30, TimeUnit.SECONDS));
                assertEquals(15L, connection.get("upload.txt", dir.resolve("back.txt"), TransferProgress.NONE)
                        .get(30, TimeUnit.SECONDS));
                ExecutionException missing = assertThrows(ExecutionException.class,
                        () -> connection.get("missing.txt", dir.resolve("missing.txt"), TransferProgress.NONE)
                                .get(30, TimeUnit.SECONDS));
                assertInstanceOf(FileTransferException.class, missing.getCause());
            }
            server.server().sessions().drain();
            server.server().sessions().whenDrained().get(30, TimeUnit.SECONDS);
        }   // closing the server writes out what the log had queued

        String who = "\"user\":null,\"address\":\"127.0.0.1\"";
        String session = who + ",\"session\":\"" + id + "\"";
        List<String> expected = List.of(
                "\"event\":\"login-failed\"," + who + "}",
                "\"event\":\"login\"," + who + ",\"mode\":\"read-write\"}",
                "\"event\":\"session-opened\"," + session + ",\"engine\":\"echo\"}",
                "\"event\":\"login\"," + who + ",\"mode\":\"view\"}",
                "\"event\":\"session-attached\"," + session + ",\"mode\":\"view\"}",
                "\"event\":\"file\"," + session + ",\"op\":\"PUT\",\"path\":\"upload.txt\",\"bytes\":15,\"status\":\"ok\"}",
                "\"event\":\"file\"," + session + ",\"op\":\"GET\",\"path\":\"upload.txt\",\"bytes\":15,\"status\":\"ok\"}",
                "\"event\":\"file\"," + session + ",\"op\":\"GET\",\"path\":\"missing.txt\",\"bytes\":0,\"status\":\"not-found\"}",
                "\"event\":\"session-ended\"," + session + ",\"reason\":\"detached\"}");
        List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
        List<String> withoutTime = new ArrayList<>();
        for (String line : lines) {
            assertTrue(line.matches(TIME + ".*"), line);
            withoutTime.add(line.replaceFirst(TIME, ""));
        }
        assertEquals(expected, withoutTime, String.join("\n", lines));
    }
}
