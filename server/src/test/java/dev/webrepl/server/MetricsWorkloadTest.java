package dev.webrepl.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.webrepl.core.engine.ReplEngine;
import dev.webrepl.core.files.FileStore;
import dev.webrepl.core.protocol.PasswordCheck;
import dev.webrepl.dupterm.SessionConfig;
import dev.webrepl.engines.echo.EchoEvaluator;
import dev.webrepl.metrics.WebReplMetrics;
import dev.webrepl.transport.client.LoginFailedException;
import dev.webrepl.transport.client.ReplConnection;
import dev.webrepl.transport.client.TransferProgress;
import dev.webrepl.transport.client.WebReplClient;
import dev.webrepl.transport.server.ServerOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue #5: a scripted workload over real sockets against a {@link MonitoredServer}, then the
 * Prometheus scrape holds exactly the counts the workload implies. Every figure below is derived
 * from what the script sends; the few that depend on timing are left out, with the reason.
 */
@Timeout(120)
class MetricsWorkloadTest {
    static final String PASSWORD = "secret";
    /** GET chunk and PUT frame size: a 1000-byte file moves in 3 frames each way (400, 400, 200). */
    static final int FRAME = 400;
    static final int FILE_SIZE = 1000;
    /** The slow consumer's hard cap, as in SlowConsumerTest. */
    static final long CAP = 256 * 1024;
    static final int CHUNK = 32 * 1024;
    /** A bound on the flood, not an expectation: the stalled terminal is cut off long before. */
    static final int MAX_CHUNKS = 4096;
    static final long AWAIT_NANOS = TimeUnit.SECONDS.toNanos(10);

    @TempDir
    Path root;
    @TempDir
    Path local;

    /** Engines for the next sessions, in order; the echo engine when none is planned. */
    private final Deque<ReplEngine> planned = new ConcurrentLinkedDeque<>();
    private MonitoredServer server;
    private WebReplMetrics metrics;
    private WebReplClient client;

    @BeforeEach
    void start() throws IOException {
        startServer();
        client = WebReplClient.newBuilder().putFrameSize(FRAME).build();
    }

    void startServer() throws IOException {
        // Linger 0: a session whose last terminal leaves ends at once ("detached"), so the test can
        // see its end without waiting out a timer.
        SessionConfig config = SessionConfig.DEFAULTS.withOutputLimits(32 * 1024, 128 * 1024, CAP)
                .withLinger(Duration.ZERO).withWorkingDirectory(root);
        ServerOptions options = ServerOptions.of(PasswordCheck.plain(PASSWORD), new FileStore(root))
                .withPort(0).withGetChunkSize(FRAME);
        server = MonitoredServer.start(options, () -> {
            ReplEngine next = planned.poll();
            return next != null ? next : EchoEvaluator.engine();
        }, config, new WebReplMetrics());
        metrics = server.metrics();
    }

    @AfterEach
    void stop() {
        if (client != null) {
            client.close();
        }
        if (server != null) {
            server.close();
        }
    }

    private int port() {
        return server.server().port();
    }

    private ReplConnection connect(String path) {
        ReplConnection c = client.connectPath("127.0.0.1", port(), path).join();
        c.login(PASSWORD).join();
        return c;
    }

    @Test
    @DisplayName("login failure, typing, PUT/GET, a viewer, a slow consumer, an engine error: exact meter values")
    void workloadGivesExactMeterValues() throws Exception {
        // 1. A wrong password: one text frame "wrong\r" (6 bytes), no session.
        ReplConnection denied = client.connect("127.0.0.1", port()).join();
        CompletionException e = assertThrows(CompletionException.class, () -> denied.login("wrong").join());
        assertTrue(e.getCause() instanceof LoginFailedException, e::toString);
        denied.close();

        // 2. An echo session. The password frame "secret\r" (7 bytes) arrives before the terminal
        // exists, so it arms no echo timer. Each typed frame waits for its whole echo before the
        // next goes, so each of the 5 frames gets exactly one keystroke-to-echo sample.
        ReplConnection terminal = connect("/");
        Transcript out = Transcript.of(terminal);
        String id = out.awaitSessionId();
        for (String key : List.of("p", "i", "n", "g")) {
            terminal.send(key).join();
            out.awaitEndsWith("ping".substring(0, "ping".indexOf(key) + 1));
        }
        terminal.send("\r").join();
        out.awaitEndsWith("ping\r\n" + EchoEvaluator.PROMPT);

        // 3. PUT then GET of a 1000-byte file on the same connection, in 400-byte frames.
        byte[] content = new byte[FILE_SIZE];
        new Random(5).nextBytes(content);
        Path source = Files.write(local.resolve("data.bin"), content);
        assertEquals(FILE_SIZE, terminal.put(source, "data.bin", TransferProgress.NONE).join());
        Path copy = local.resolve("copy.bin");
        assertEquals(FILE_SIZE, terminal.get("data.bin", copy, TransferProgress.NONE).join());
        assertArrayEquals(content, Files.readAllBytes(copy));

        // 4. A viewer attaches to the session and types one frame, which is counted but ignored
        // (a viewer's input arms no echo timer either).
        ReplConnection viewer = connect("/session/" + id + "?mode=view");
        Transcript seen = Transcript.of(viewer);
        assertEquals(id, seen.awaitSessionId());
        viewer.send("v").join();

        // 5. A slow consumer: a terminal of its own session that stops reading while its engine
        // floods output past the cap. It is the session's only terminal and typed nothing, so the
        // session ends at once as "detached".
        ScriptedEngine flood = new ScriptedEngine();
        planned.add(flood);
        try (StalledTerminal stalled = StalledTerminal.login(port(), PASSWORD)) {
            byte[] chunk = new byte[CHUNK];
            Arrays.fill(chunk, (byte) 'x');
            int written = 0;
            while (counter("webrepl.terminals.deactivated", "cause", "slow-consumer") == 0) {
                assertTrue(written < MAX_CHUNKS, "the stalled terminal was never cut off");
                flood.write(chunk);
                written++;
            }
        }

        // 6. An engine error: the session ends with "engine-error" and the client is told.
        ScriptedEngine failing = new ScriptedEngine();
        planned.add(failing);
        ReplConnection doomed = connect("/");
        Transcript last = Transcript.of(doomed);
        last.awaitSessionId();
        failing.fail(new IllegalStateException("boom"));
        last.awaitEndsWith("\r\nsession ended: engine failed: boom\r\n");
        last.awaitClosed();

        // Frames are counted as the server decodes them, on its event loop: the viewer's "v" has no
        // answer to wait for, so the count is polled for. Sessions end on the server's threads.
        awaitSeries("webrepl_frames_received_total", 11, "channel", "terminal");
        awaitSeries("webrepl_sessions_ended_total", 1, "engine", ScriptedEngine.KIND, "reason", "detached");
        awaitSeries("webrepl_sessions_ended_total", 1, "engine", ScriptedEngine.KIND, "reason", "engine-error");
        // The gauge reactor.netty.http.server.connections.total is exported without "_total": the
        // Prometheus format keeps that suffix for counters.
        awaitSeries("reactor_netty_http_server_connections", 2);

        PrometheusScrape s = PrometheusScrape.parse(metrics.scrape());
        assertEquals(1, s.value("webrepl_auth_attempts_total", "outcome", "failure"));
        // The echo terminal, the viewer, the stalled terminal and the one whose engine failed.
        assertEquals(4, s.value("webrepl_auth_attempts_total", "outcome", "success"));
        assertEquals(0, s.value("webrepl_auth_lockouts_total"));

        assertEquals(1, s.value("webrepl_sessions_opened_total", "engine", "echo"));
        assertEquals(2, s.value("webrepl_sessions_opened_total", "engine", ScriptedEngine.KIND));
        assertEquals(1, s.value("webrepl_engine_start_seconds_count", "engine", "echo"));
        assertEquals(2, s.value("webrepl_engine_start_seconds_count", "engine", ScriptedEngine.KIND));
        assertEquals(2, s.sum("webrepl_sessions_ended_total"));
        assertEquals(2, s.value("webrepl_sessions_duration_seconds_count", "engine", ScriptedEngine.KIND));
        assertEquals(1, s.value("webrepl_sessions_active", "engine", "echo"));
        assertEquals(0, s.value("webrepl_sessions_active", "engine", ScriptedEngine.KIND));
        // The echo engine evaluated one line ("ping").
        assertEquals(1, s.value("webrepl_engine_evaluations_seconds_count"));

        assertEquals(1, s.value("webrepl_terminals_attached", "mode", "read-write"));
        assertEquals(1, s.value("webrepl_terminals_attached", "mode", "view"));
        assertEquals(1, s.value("webrepl_terminals_deactivated_total", "cause", "slow-consumer"));
        assertEquals(1, s.sum("webrepl_terminals_deactivated_total"));

        assertEquals(1, s.value("webrepl_transfers_seconds_count", "type", "put", "status", "ok"));
        assertEquals(1, s.value("webrepl_transfers_seconds_count", "type", "get", "status", "ok"));
        assertEquals(2, s.sum("webrepl_transfers_seconds_count"));
        assertEquals(FILE_SIZE, s.value("webrepl_transfers_data_bytes_total", "type", "put", "status", "ok"));
        assertEquals(FILE_SIZE, s.value("webrepl_transfers_data_bytes_total", "type", "get", "status", "ok"));

        // Terminal frames in: 6 passwords ("wrong\r" 6 bytes, then five "secret\r" of 7), the 5 typed
        // frames and the viewer's "v".
        assertEquals(11, s.value("webrepl_frames_received_total", "channel", "terminal"));
        assertEquals(6 + 4 * 7 + 5 + 1, s.value("webrepl_data_received_bytes_total", "channel", "terminal"));
        // File frames in: PUT header (82) and 3 data frames (1000); GET header (82) and 4 one-byte
        // acks (after the first WB and after each of the 3 chunks; none after the empty chunk).
        assertEquals(1 + 3 + 1 + 4, s.value("webrepl_frames_received_total", "channel", "file"));
        assertEquals(82 + FILE_SIZE + 82 + 4, s.value("webrepl_data_received_bytes_total", "channel", "file"));
        // File frames out: PUT's two WB replies (4 bytes each); GET's WB, 3 chunks (2-byte length +
        // data), the empty chunk (2) and the final WB.
        assertEquals(2 + 1 + 3 + 1 + 1, s.value("webrepl_frames_sent_total", "channel", "file"));
        assertEquals(2 * 4 + 4 + (FILE_SIZE + 3 * 2) + 2 + 4,
                s.value("webrepl_data_sent_bytes_total", "channel", "file"));
        // Terminal frames and bytes out are not exact: the stalled terminal's backlog is dropped at
        // deactivation, and how much of the flood reached its socket before that depends on timing.
        assertTrue(s.value("webrepl_frames_sent_total", "channel", "terminal") > 0);

        assertEquals(5, s.value("webrepl_keystroke_echo_seconds_count"));
        assertEquals(5, s.value("webrepl_keystroke_echo_seconds_bucket", "le", "+Inf"));
        // No pty engine here: nothing can be paused.
        assertEquals(0, s.value("webrepl_producer_pauses_total"));

        // 7. The viewer and then the echo terminal leave: two peer-gone deactivations, and with
        // linger 0 the session ends as "detached".
        viewer.close();
        seen.awaitClosed();
        terminal.close();
        out.awaitClosed();
        awaitSeries("webrepl_sessions_ended_total", 1, "engine", "echo", "reason", "detached");
        awaitSeries("reactor_netty_http_server_connections", 0);

        PrometheusScrape end = PrometheusScrape.parse(metrics.scrape());
        assertEquals(2, end.value("webrepl_terminals_deactivated_total", "cause", "peer-gone"));
        assertEquals(3, end.sum("webrepl_terminals_deactivated_total"));
        assertEquals(0, end.value("webrepl_terminals_attached", "mode", "read-write"));
        assertEquals(0, end.value("webrepl_terminals_attached", "mode", "view"));
        assertEquals(0, end.value("webrepl_sessions_active", "engine", "echo"));
        assertEquals(3, end.sum("webrepl_sessions_ended_total"));
        assertEquals(1, end.value("webrepl_sessions_duration_seconds_count", "engine", "echo"));
        assertEquals(0, end.value("webrepl_input_queued_bytes"));
        assertFalse(end.has("webrepl_sessions_ended_total", "reason", "linger-expired"));
        // Nothing in the workload changed these after the first scrape.
        assertEquals(5, end.value("webrepl_keystroke_echo_seconds_count"));
        assertEquals(11, end.value("webrepl_frames_received_total", "channel", "terminal"));
        assertEquals(4, end.value("webrepl_auth_attempts_total", "outcome", "success"));
    }

    /** The current value of a counter, 0 while it does not exist yet. */
    private double counter(String name, String... tags) {
        var c = metrics.registry().find(name).tags(tags).counter();
        return c == null ? 0 : c.count();
    }

    /** Polls the scrape (bounded) until the series has {@code expected}; for figures that settle on server threads. */
    private void awaitSeries(String name, double expected, String... labels) {
        long deadline = System.nanoTime() + AWAIT_NANOS;
        while (true) {
            PrometheusScrape s = PrometheusScrape.parse(metrics.scrape());
            double now = s.has(name, labels) ? s.sum(name, labels) : Double.NaN;
            if (now == expected) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError(name + Arrays.toString(labels) + " is " + now + ", expected " + expected);
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));  // a poll interval, not a timing assumption
        }
    }
}
