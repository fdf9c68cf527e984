package dev.webrepl.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.webrepl.loadtest.generator.Millis;
import dev.webrepl.core.engine.LineEvaluator;
import dev.webrepl.core.engine.ReplEngine;
import dev.webrepl.core.files.FileStore;
import dev.webrepl.core.protocol.PasswordCheck;
import dev.webrepl.core.terminal.LineDiscipline;
import dev.webrepl.dupterm.SessionConfig;
import dev.webrepl.dupterm.SessionRegistry;
import dev.webrepl.engines.echo.EchoEvaluator;
import dev.webrepl.engines.jshell.Hibernation;
import dev.webrepl.engines.jshell.JShellConfig;
import dev.webrepl.engines.jshell.JShellEngines;
import dev.webrepl.engines.process.ProcessEngine;
import dev.webrepl.engines.process.ProcessEngineConfig;
import dev.webrepl.loadtest.FloodEngine;
import dev.webrepl.testkit.tls.TestCertificate;
import dev.webrepl.transport.server.ServerOptions;
import dev.webrepl.transport.server.WebReplServer;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A short run of each load scenario against an in-process echo-engine server on loopback, through
 * the command line: the report's counts must add up exactly (no session lost, every request
 * answered, every byte accounted for) and the HTML report must hold every chart and nothing remote.
 */
@Timeout(120)
class LoadGeneratorTest {
    static final String PASSWORD = "pw";
    static final List<String> CHARTS = List.of("latency-percentiles", "latency-over-time", "sessions-over-time",
            "throughput");
    private static final Pattern REMOTE = Pattern.compile("(?i)(src|href)\\s*=\\s*[\"']?\\s*https?:");

    @TempDir
    Path dir;

    private WebReplServer server;

    @BeforeEach
    void startServer() throws IOException {
        server = WebReplServer.start(
                ServerOptions.of(PasswordCheck.plain(PASSWORD), new FileStore(Files.createDirectories(dir.resolve("root"))))
                        .withPort(0),
                new SessionRegistry(EchoEvaluator::engine, new SecureRandom(), SessionConfig.DEFAULTS));
    }

    @AfterEach
    void stopServer() {
        server.close();
    }

    /** Runs {@code webrepl bench} with a short plan; returns report.json after checking exit 0 and the session counts. */
    static JsonNode bench(Path reportDir, int port, String... args) throws IOException {
        return bench(reportDir, "ws://127.0.0.1:" + port + "/", args);
    }

    /** As {@link #bench(Path, int, String...)}, against {@code target}. */
    static JsonNode bench(Path reportDir, String target, String... args) throws IOException {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        List<String> all = new ArrayList<>(List.of("bench", "--target", target,
                "-p", PASSWORD, "--ramp-up", "1s", "--quiet", "--report", reportDir.toString()));
        if (!List.of(args).contains("--duration")) {
            all.addAll(List.of("--duration", "2s"));
        }
        all.addAll(List.of(args));
        int exit = CapturedCli.webrepl(out, err).execute(all.toArray(String[]::new));
        assertEquals(0, exit, out + "\n" + err);
        JsonNode r = new ObjectMapper().readTree(reportDir.resolve("report.json").toFile());
        JsonNode s = r.get("sessions");
        assertEquals(s.get("target").asLong(), s.get("attempted").asLong(), r.toPrettyString());
        assertEquals(s.get("attempted").asLong(), s.get("opened").asLong() + s.get("failed").asLong());
        assertEquals(0, s.get("failed").asLong(), r.toPrettyString());
        assertEquals(0, s.get("lost").asLong(), r.toPrettyString());
        assertEquals(0, s.get("aborted").asLong(), r.toPrettyString());
        assertEquals(0, s.get("unfinished").asLong());
        assertEquals(0, r.get("errors").size(), r.get("errors").toString());
        assertEquals(r.get("requests").asLong(), r.get("responses").asLong());
        r.get("scenarios").fields().forEachRemaining(e -> assertEquals(e.getValue().get("requests").asLong(),
                e.getValue().get("responses").asLong(), e.getKey()));
        // The summary line gives the report's latencies in ms (Millis: three significant digits).
        JsonNode l = r.get("latency");
        String summary = out.toString().lines().findFirst().orElseThrow();
        assertTrue(summary.contains(l.get("count").asLong() == 0 ? "latency p50 -, p99 -, max -; "
                : "latency p50 " + Millis.of(l.get("p50").asDouble()) + ", p99 " + Millis.of(l.get("p99").asDouble())
                + ", max " + Millis.of(l.get("max").asDouble()) + "; "), summary);
        String html = Files.readString(reportDir.resolve("report.html"));
        for (String chart : CHARTS) {
            assertTrue(html.contains("id=\"" + chart + "\""), chart);
        }
        assertTrue(html.contains("id=\"errors\""));
        assertFalse(REMOTE.matcher(html).find(), "report.html refers to something remote");
        return r;
    }

    private JsonNode run(String scenario, String... args) throws IOException {
        return bench(dir.resolve(scenario), server.port(),
                Stream.concat(Stream.of("--scenario", scenario), Stream.of(args)).toArray(String[]::new));
    }

    @Test
    void idleHoldsEverySessionToTheEnd() throws IOException {
        JsonNode r = run("idle", "--sessions", "12");
        assertEquals(12, r.at("/sessions/opened").asLong());
        assertEquals(0, r.get("requests").asLong());
        assertEquals(12, r.at("/scenarios/idle/sessions").asLong());
        // Every session was up for a whole second at least once during the run.
        boolean allUp = false;
        for (JsonNode s : r.get("series")) {
            allUp |= s.get("sessionsUp").asLong() == 12;
        }
        assertTrue(allUp, r.get("series").toString());
    }

    @Test
    void typingGetsAnEchoForEveryKey() throws IOException {
        JsonNode r = run("typing", "--sessions", "5", "--rate", "40", "--think", "100ms");
        JsonNode t = r.at("/scenarios/typing");
        assertTrue(t.get("requests").asLong() > 0);
        assertEquals(t.get("requests").asLong(), t.get("responses").asLong());
        assertEquals(t.get("requests").asLong(), t.get("bytesSent").asLong(), "one byte per key");
        assertTrue(r.at("/latency/correctedForCoordinatedOmission").asBoolean());
        assertTrue(r.at("/latency/count").asLong() >= t.get("responses").asLong());
    }

    @Test
    void floodAnswersEveryCommand() throws IOException {
        JsonNode r = run("flood", "--sessions", "3", "--size", "20000");
        JsonNode f = r.at("/scenarios/flood");
        assertTrue(f.get("requests").asLong() > 0);
        // The echo engine writes each 1000-character line twice (echo, then the line): at least that much came.
        assertTrue(f.get("bytesReceived").asLong() >= 2 * 20_000 * f.get("responses").asLong(), f.toString());
    }

    @Test
    void putMovesSizeBytesPerAnswer() throws IOException {
        JsonNode r = run("put", "--sessions", "4", "--size", "30000");
        JsonNode p = r.at("/scenarios/put");
        assertTrue(p.get("responses").asLong() > 0);
        assertEquals(30_000 * p.get("responses").asLong(), p.get("fileBytes").asLong());
        for (int i = 0; i < 4; i++) {
            assertEquals(30_000, Files.size(dir.resolve("root/webrepl-bench-put-" + i + ".bin")));
        }
    }

    @Test
    void getMovesSizeBytesPerAnswer() throws IOException {
        JsonNode r = run("get", "--sessions", "4", "--size", "30000");
        JsonNode g = r.at("/scenarios/get");
        assertTrue(g.get("responses").asLong() > 0);
        assertEquals(30_000 * g.get("responses").asLong(), g.get("fileBytes").asLong());
    }

    @Test
    void viewersSeeExactlyTheWritersOutput() throws IOException {
        JsonNode r = run("viewers", "--sessions", "2", "--viewers", "3", "--rate", "40", "--think", "100ms");
        assertEquals(8, r.at("/sessions/opened").asLong());
        JsonNode v = r.get("viewers");
        assertEquals(6, v.get("viewers").asLong());
        assertEquals(6, v.get("viewersMatchingWriter").asLong(), v.toString());
        assertTrue(v.get("expectedBytes").asLong() > 0);
        assertEquals(v.get("expectedBytes").asLong(), v.get("receivedBytes").asLong());
    }

    /** A server whose sessions run {@code serve --engine flood}. */
    private WebReplServer floodServer() throws IOException {
        return serverWith("flood", () -> FloodEngine.onCommand(ServeCommand.FLOOD_WRITE));
    }

    /** A second server, files under {@code name}, whose sessions run {@code engines}' engines. */
    private WebReplServer serverWith(String name, Supplier<ReplEngine> engines) throws IOException {
        return WebReplServer.start(
                ServerOptions.of(PasswordCheck.plain(PASSWORD), new FileStore(Files.createDirectories(dir.resolve(name))))
                        .withPort(0),
                new SessionRegistry(engines, new SecureRandom(), SessionConfig.DEFAULTS));
    }

    @Test
    void typingAndFloodWithTheJShellHintAgainstJShell() throws IOException {
        JShellConfig local = JShellConfig.defaults().withExecution(JShellConfig.Execution.LOCAL);
        Supplier<LineEvaluator> evaluators = JShellEngines.factory(local, null);
        try (WebReplServer jshell = serverWith("jshell", () -> new LineDiscipline(evaluators.get()))) {
            String target = "ws://127.0.0.1:" + jshell.port() + "/";
            // Typed lines start with "// ": JShell evaluates comments, and each answer ends with "jshell> ".
            JsonNode typing = bench(dir.resolve("jshell-typing"), target, "--scenario", "typing", "--engine-hint", "jshell",
                    "--sessions", "2", "--rate", "40", "--think", "100ms");
            assertTrue(typing.at("/scenarios/typing/responses").asLong() > 0, typing.toString());
            // System.out.print("x".repeat(N)): N bytes, then the prompt.
            JsonNode flood = bench(dir.resolve("jshell-flood"), target, "--scenario", "flood", "--engine-hint", "jshell",
                    "--sessions", "1", "--size", "100000");
            JsonNode f = flood.at("/scenarios/flood");
            assertTrue(f.get("responses").asLong() > 0, f.toString());
            assertTrue(f.get("bytesReceived").asLong() >= 100_000 * f.get("responses").asLong(), f.toString());
        }
    }

    /**
     * README "Hibernation": against sessions that hibernate after 300 ms, an idle session declares a
     * variable and then sleeps through the run; a typing session that thinks 0.7 s after each line wakes
     * its session with each next line. The report counts the restores and the sessions hibernated at the end.
     */
    @Test
    void idleAndTypingWithTheJShellHintReportHibernationsAndRestores() throws IOException {
        JShellConfig local = JShellConfig.defaults().withExecution(JShellConfig.Execution.LOCAL);
        try (Hibernation soon = Hibernation.after(Duration.ofMillis(300))) {
            Supplier<LineEvaluator> evaluators = JShellEngines.factory(local, null, soon);
            try (WebReplServer jshell = serverWith("jshell-hibernating", () -> new LineDiscipline(evaluators.get()))) {
                JsonNode r = bench(dir.resolve("jshell-hibernation"), "ws://127.0.0.1:" + jshell.port() + "/",
                        "--scenario", "mixed", "--mix", "idle=1,typing=1", "--engine-hint", "jshell", "--sessions", "2",
                        "--rate", "40", "--think", "700ms", "--duration", "6s");
                JsonNode h = r.get("hibernation");
                assertEquals(1, r.at("/scenarios/idle/requests").asLong(), r.toPrettyString());  // its declaration
                assertTrue(h.get("restores").asLong() >= 1, h.toString());
                assertTrue(h.get("restoreP50Millis").asDouble() > 0, h.toString());
                assertEquals(2, h.get("jshellSessionsAtEnd").asLong(), h.toString());
                assertTrue(h.get("hibernatedAtEnd").asLong() >= 1, h.toString());   // the idle one at least
            }
        }
    }

    @Test
    void typingWithTheProcessHintAgainstAShell() throws IOException {
        Map<String, String> env = new HashMap<>(System.getenv());
        env.put("PS1", "$ ");
        ProcessEngineConfig sh = new ProcessEngineConfig(List.of("/bin/sh"), env, dir, 80, 24, Duration.ofSeconds(2));
        try (WebReplServer shell = serverWith("sh", () -> new ProcessEngine(sh))) {
            // Typed lines start with "# " (a comment); the pty echoes each key; each answer ends with "$ ".
            JsonNode r = bench(dir.resolve("sh-typing"), "ws://127.0.0.1:" + shell.port() + "/", "--scenario", "typing",
                    "--engine-hint", "process", "--sessions", "2", "--rate", "40", "--think", "100ms");
            assertTrue(r.at("/scenarios/typing/responses").asLong() > 0, r.toString());
        }
    }

    @Test
    void floodWithTheProcessHintAgainstPython() throws IOException {
        Path python = Path.of("/usr/bin/python3");
        assumeTrue(Files.isExecutable(python), "needs /usr/bin/python3");
        ProcessEngineConfig py = new ProcessEngineConfig(List.of(python.toString(), "-i"), System.getenv(), dir, 80, 24,
                Duration.ofSeconds(2));
        try (WebReplServer pythonServer = serverWith("python", () -> new ProcessEngine(py))) {
            // print('x' * N): N bytes, then the prompt ">>> ".
            JsonNode r = bench(dir.resolve("python-flood"), "ws://127.0.0.1:" + pythonServer.port() + "/", "--scenario",
                    "flood", "--engine-hint", "process", "--sessions", "1", "--size", "100000");
            JsonNode f = r.at("/scenarios/flood");
            assertTrue(f.get("responses").asLong() > 0, f.toString());
            assertTrue(f.get("bytesReceived").asLong() >= 100_000 * f.get("responses").asLong(), f.toString());
        }
    }

    @Test
    void floodWithTheFloodEngineGetsSizeBytesPerCommand() throws IOException {
        try (WebReplServer flood = floodServer()) {
            JsonNode r = bench(dir.resolve("flood-engine"), flood.port(), "--scenario", "flood", "--engine-hint", "flood",
                    "--sessions", "2", "--size", "1000000");
            JsonNode f = r.at("/scenarios/flood");
            assertTrue(f.get("responses").asLong() > 0);
            // Per command: the echoed count and CR LF, the bytes, CR LF and the prompt "flood> "; plus each
            // session's banner once.
            long perCommand = "1000000\r\n".length() + 1_000_000 + 2 + 7;
            assertEquals(f.get("requests").asLong() * "1000000\r".length(), f.get("bytesSent").asLong());
            assertTrue(f.get("bytesReceived").asLong() >= perCommand * f.get("responses").asLong(), f.toString());
        }
    }

    @Test
    void viewersOfAFloodingSessionSeeEveryByteItWrote() throws IOException {
        try (WebReplServer flood = floodServer()) {
            JsonNode r = bench(dir.resolve("viewers-flood"), flood.port(), "--scenario", "viewers", "--writer", "flood",
                    "--engine-hint", "flood", "--sessions", "1", "--viewers", "3", "--size", "1000000");
            assertEquals(4, r.at("/sessions/opened").asLong());
            JsonNode v = r.get("viewers");
            assertEquals(3, v.get("viewersMatchingWriter").asLong(), v.toString());
            JsonNode w = r.at("/scenarios/viewers");
            assertTrue(w.get("responses").asLong() > 0);
            // expectedBytes adds up the writer's count once per viewer.
            assertTrue(v.get("expectedBytes").asLong() >= 3 * 1_000_000 * w.get("responses").asLong(), v.toString());
            assertEquals(v.get("expectedBytes").asLong(), v.get("receivedBytes").asLong(), v.toString());
            assertEquals("flood", r.at("/plan/writer").asText());
        }
    }

    @Test
    void typesOverWssTrustingTheServersCertificate() throws IOException {
        TestCertificate cert = TestCertificate.generate(dir.resolve("tls"));
        try (WebReplServer tls = WebReplServer.start(
                ServerOptions.of(PasswordCheck.plain(PASSWORD), new FileStore(Files.createDirectories(dir.resolve("tls-root"))))
                        .withPort(0).withTls(cert.certificate(), cert.privateKey()),
                new SessionRegistry(EchoEvaluator::engine, new SecureRandom(), SessionConfig.DEFAULTS))) {
            JsonNode r = bench(dir.resolve("wss"), "wss://127.0.0.1:" + tls.port() + "/", "--ca-cert",
                    cert.certificate().toString(), "--scenario", "typing", "--sessions", "3", "--rate", "40",
                    "--think", "100ms");
            assertEquals(3, r.at("/sessions/opened").asLong());
            JsonNode t = r.at("/scenarios/typing");
            assertTrue(t.get("responses").asLong() > 0);
            assertEquals(t.get("requests").asLong(), t.get("responses").asLong());
        }
    }

    @Test
    void mixedSplitsSessionsByWeight() throws IOException {
        JsonNode r = run("mixed", "--sessions", "6", "--mix", "idle=2,typing=1,flood=1,put=1,get=1",
                "--rate", "40", "--think", "100ms", "--size", "10000");
        assertEquals(2, r.at("/scenarios/idle/sessions").asLong());
        for (String s : List.of("typing", "flood", "put", "get")) {
            assertEquals(1, r.at("/scenarios/" + s + "/sessions").asLong(), s);
            assertTrue(r.at("/scenarios/" + s + "/responses").asLong() > 0, s);
        }
    }
}
