package dev.webrepl.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.webrepl.core.files.FileStore;
import dev.webrepl.core.protocol.PasswordCheck;
import dev.webrepl.dupterm.SessionConfig;
import dev.webrepl.dupterm.SessionRegistry;
import dev.webrepl.engines.echo.EchoEvaluator;
import dev.webrepl.loadtest.generator.Scenario;
import dev.webrepl.testkit.LogCapture;
import dev.webrepl.transport.server.ServerOptions;
import dev.webrepl.transport.server.WebReplServer;
import java.io.StringWriter;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code webrepl bench}'s command line: its help, what it refuses, and source addresses. */
@Timeout(120)
class LoadGeneratorCliTest {
    @TempDir
    Path dir;

    private record Run(int exit, String out, String err) {
    }

    private static Run execute(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = CapturedCli.webrepl(out, err).execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    @Test
    void helpListsEveryScenarioOnOneLineAndEveryOption() {
        Run r = execute("bench", "--help");
        assertEquals(0, r.exit());
        for (Scenario s : Scenario.values()) {
            assertEquals(1, r.out().lines().filter(l -> l.matches("  " + s.id() + " +[a-z-].*")).count(), s.id());
        }
        for (String option : List.of("--scenario", "--target", "--password", "--sessions", "--viewers", "--ramp-up",
                "--writer", "--ca-cert", "--duration", "--rate", "--think", "--size", "--mix", "--engine-hint", "--source", "--allow-remote",
                "--report", "--max-connections", "--progress", "--quiet")) {
            assertTrue(Pattern.compile("\\s" + Pattern.quote(option) + "(?![-a-z])").matcher(r.out()).find(), option);
        }
        // The benchmarks stay subcommands.
        for (String sub : List.of("transfer", "sessions", "fanout", "jshell", "engines", "metrics")) {
            assertTrue(r.out().contains("\n  " + sub + " "), sub);
        }
    }

    @Test
    void refusesANonLoopbackTargetWithoutAllowRemote() {
        Run r = execute("bench", "--scenario", "idle", "-p", "pw", "--target", "ws://192.0.2.1:8266/");
        assertEquals(2, r.exit(), r.err());
        assertTrue(r.err().contains("192.0.2.1") && r.err().contains("--allow-remote"), r.err());
    }

    @Test
    void refusesANonLoopbackSourceWithoutAllowRemote() {
        Run r = execute("bench", "--scenario", "idle", "-p", "pw", "--source", "192.0.2.5-192.0.2.6");
        assertEquals(2, r.exit(), r.err());
        assertTrue(r.err().contains("192.0.2.5-192.0.2.6"), r.err());
    }

    @Test
    void reportsViewersTheServerRefusedByTheirCloseCode() throws Exception {
        // One session may have 2 terminals: of its 3 viewers, 2 are refused with close code 1013.
        try (WebReplServer server = WebReplServer.start(
                ServerOptions.of(PasswordCheck.plain(LoadGeneratorTest.PASSWORD),
                        new FileStore(java.nio.file.Files.createDirectories(dir.resolve("limited")))).withPort(0),
                new SessionRegistry(EchoEvaluator::engine, new SecureRandom(),
                        SessionConfig.DEFAULTS.withMaxTerminals(2)))) {
            Run r = execute("bench", "--target", "ws://127.0.0.1:" + server.port() + "/", "-p",
                    LoadGeneratorTest.PASSWORD, "--scenario", "viewers", "--sessions", "1", "--viewers", "3",
                    "--rate", "40", "--think", "100ms", "--ramp-up", "1s", "--duration", "2s", "--quiet",
                    "--report", dir.resolve("refused").toString());
            assertEquals(1, r.exit(), r.out() + r.err());
            JsonNode report = new ObjectMapper().readTree(dir.resolve("refused/report.json").toFile());
            assertEquals(2, report.at("/errors/closed by server 1013").asLong(), report.get("errors").toString());
        }
    }

    @Test
    void printsAProgressLineEachSecondWithSessionsErrorsLatencyAndThroughput() throws Exception {
        try (WebReplServer server = WebReplServer.start(
                ServerOptions.of(PasswordCheck.plain(LoadGeneratorTest.PASSWORD),
                        new FileStore(java.nio.file.Files.createDirectories(dir.resolve("progress")))).withPort(0),
                new SessionRegistry(EchoEvaluator::engine, new SecureRandom(), SessionConfig.DEFAULTS))) {
            Run r = execute("bench", "--target", "ws://127.0.0.1:" + server.port() + "/", "-p",
                    LoadGeneratorTest.PASSWORD, "--scenario", "typing", "--sessions", "3", "--rate", "40",
                    "--think", "100ms", "--ramp-up", "1s", "--duration", "3s");
            assertEquals(0, r.exit(), r.out() + r.err());
            // Not a terminal here: one line a second on stderr (on a terminal the line is rewritten in place).
            Pattern line = Pattern.compile(" *(\\d+)s  sessions (\\d)/3 up  errors 0  "
                    + "p50 (-|[0-9.,]+ ms), p99 (-|[0-9.,]+ ms)  \\d+ answers/s  \\d+\\.\\d\\d MB/s");
            List<String> lines = r.err().lines().toList();
            assertTrue(lines.size() >= 3, r.err());
            for (String l : lines) {
                assertTrue(line.matcher(l).matches(), l);
            }
            assertTrue(lines.stream().anyMatch(l -> l.contains("sessions 3/3 up") && !l.contains("p50 -")), r.err());
        }
    }

    /**
     * Issue 17 item 13: bench takes the server as the other client commands do, HOST:PORT and [IPv6]:PORT
     * (the latter opened no session before: the URL's brackets went to the connect as part of the host).
     */
    @Test
    void theTargetMayBeHostPortOrIpv6InBracketsAsForTheOtherCommands() throws Exception {
        try (WebReplServer server = WebReplServer.start(
                ServerOptions.of(PasswordCheck.plain(LoadGeneratorTest.PASSWORD),
                        new FileStore(java.nio.file.Files.createDirectories(dir.resolve("v4")))).withPort(0),
                new SessionRegistry(EchoEvaluator::engine, new SecureRandom(), SessionConfig.DEFAULTS))) {
            JsonNode r = LoadGeneratorTest.bench(dir.resolve("report-v4"), "127.0.0.1:" + server.port(),
                    "--scenario", "typing", "--sessions", "1", "--rate", "20", "--think", "100ms");
            assertEquals("ws://127.0.0.1:" + server.port() + "/", r.at("/plan/target").asText());
            assertEquals(1, r.at("/sessions/opened").asLong(), r.toPrettyString());
            assertTrue(r.get("responses").asLong() > 0, r.toPrettyString());
        }
        try (WebReplServer server = WebReplServer.start(
                ServerOptions.of(PasswordCheck.plain(LoadGeneratorTest.PASSWORD),
                        new FileStore(java.nio.file.Files.createDirectories(dir.resolve("v6")))).withHost("::1").withPort(0),
                new SessionRegistry(EchoEvaluator::engine, new SecureRandom(), SessionConfig.DEFAULTS))) {
            JsonNode r = LoadGeneratorTest.bench(dir.resolve("report-v6"), "[::1]:" + server.port(),
                    "--scenario", "idle", "--sessions", "1");
            assertEquals("ws://[::1]:" + server.port() + "/", r.at("/plan/target").asText());
            assertEquals(1, r.at("/sessions/opened").asLong(), r.toPrettyString());
        }
    }

    @Test
    void aBadTargetIsAOneLineUsageError() {
        Run r = execute("bench", "--scenario", "idle", "-p", "pw", "--target", "127.0.0.1:70000");
        assertEquals(2, r.exit(), r.err());
        // The error on one line and one line pointing at the help, as every usage error (README "`webrepl serve`").
        assertEquals("port out of range in '127.0.0.1:70000'\nTry 'webrepl bench --help' for more information.\n", r.err());
        r = execute("bench", "--scenario", "idle", "-p", "pw", "--target", "127.0.0.1:8266:/files");
        assertEquals(2, r.exit(), r.err());
        assertEquals("expected HOST[:PORT] or ws://HOST[:PORT]/, got '127.0.0.1:8266:/files'\n"
                + "Try 'webrepl bench --help' for more information.\n", r.err());
        assertEquals("", r.out());
    }

    @Test
    void refusesACaCertWithoutAWssTarget() {
        Run r = execute("bench", "--scenario", "idle", "-p", "pw", "--ca-cert", "server.pem");
        assertEquals(2, r.exit(), r.err());
        assertTrue(r.err().contains("--ca-cert needs a wss:// target"), r.err());
    }

    @Test
    void refusesAnUnreadableCaCert() {
        Run r = execute("bench", "--scenario", "idle", "-p", "pw", "--target", "wss://127.0.0.1:1/", "--ca-cert",
                "no-such-dir/server.pem");
        assertEquals(2, r.exit(), r.err());
        assertTrue(r.err().contains("--ca-cert: trusted certificates file no-such-dir/server.pem"), r.err());
    }

    @Test
    void refusesAWatchedSessionThatNeitherTypesNorFloods() {
        Run r = execute("bench", "--scenario", "viewers", "-p", "pw", "--writer", "idle");
        assertEquals(2, r.exit(), r.err());
        assertTrue(r.err().contains("a watched session types or floods, not idle"), r.err());
    }

    @Test
    void refusesAPlanOverTheConnectionCap() {
        Run r = execute("bench", "--scenario", "viewers", "-p", "pw", "--sessions", "10", "--viewers", "9",
                "--max-connections", "99");
        assertEquals(2, r.exit(), r.err());
        assertTrue(r.err().contains("100 connections"), r.err());
    }

    @Test
    void connectsFromEveryAddressOfTheSourceRange() throws Exception {
        // The server logs each terminal's attach at DEBUG with the peer's address as the peer field (README "Logs").
        LogCapture log = LogCapture.of("dev.webrepl.transport.server.ConnectionHandler", Level.DEBUG);
        try (WebReplServer server = WebReplServer.start(
                ServerOptions.of(PasswordCheck.plain(LoadGeneratorTest.PASSWORD),
                        new FileStore(java.nio.file.Files.createDirectories(dir.resolve("root")))).withPort(0),
                new SessionRegistry(EchoEvaluator::engine, new SecureRandom(), SessionConfig.DEFAULTS))) {
            JsonNode r = LoadGeneratorTest.bench(dir.resolve("report"), server.port(), "--scenario", "idle",
                    "--sessions", "4", "--source", "127.0.0.2-127.0.0.3");
            assertEquals(2, r.at("/sessions/bySource/127.0.0.2").asLong());
            assertEquals(2, r.at("/sessions/bySource/127.0.0.3").asLong());
        } finally {
            log.close();
        }
        Set<String> peers = new TreeSet<>();
        for (LogCapture.Line line : log.lines()) {
            if (line.message().endsWith(" attached")) {
                peers.add(line.peer().substring(0, line.peer().lastIndexOf(':')));
            }
        }
        assertEquals(Set.of("127.0.0.2", "127.0.0.3"), peers);
    }
}
