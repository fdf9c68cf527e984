package dev.webrepl.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.webrepl.transport.server.WebReplServer;
import java.io.IOException;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class ServeCommandTest {
    @TempDir
    Path dir;

    private final StringWriter out = new StringWriter();

    private ServeCommand parse(String... args) {
        return CapturedCli.parseServe(out, args);
    }

    @Test
    void defaultsToLoopbackPort8266AndRootWebreplFiles() {
        ServeCommand cmd = parse();
        assertEquals("127.0.0.1", cmd.host);
        assertEquals(8266, cmd.port);
        assertEquals(Path.of("webrepl-files"), cmd.root);
        assertEquals(ServeCommand.EngineKind.jshell, cmd.engine);
        assertEquals(dev.webrepl.engines.jshell.JShellConfig.Execution.REMOTE, cmd.jshellExecution);
        assertEquals("127.0.0.1", cmd.adminHost);
        assertEquals(8267, cmd.adminPort);
        assertFalse(cmd.noAdmin);
    }

    @Test
    void startsTheAdminListenerAndPrintsItsAddress() throws Exception {
        try (MonitoredServer server = parse("--port", "0", "--admin-port", "0", "--root", dir.toString(),
                "--password", "pw", "--engine", "echo").start()) {
            int port = server.admin().port();
            assertNotEquals(0, port);
            assertTrue(out.toString().contains("\nadmin http://127.0.0.1:" + port
                    + "/ (metrics, health, sessions, dashboard)\n"), out.toString());
            HttpResponse<String> health = HttpClient.newHttpClient().send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, health.statusCode());
            assertEquals("{\"status\":\"up\",\"listening\":true,\"sessions\":0,\"maxSessions\":1000,"
                    + "\"enginePool\":{\"kind\":\"echo\"}}", health.body());
        }
    }

    @Test
    void nodeNamesTheSessionIdsLabelsTheMetersAndAdminDrainRefusesNewSessions() throws Exception {
        try (MonitoredServer server = parse("--port", "0", "--admin-port", "0", "--root", dir.toString(),
                "--password", "pw", "--engine", "echo", "--node", "node-7").start()) {
            assertTrue(out.toString().contains("\nnode node-7: session ids node-7.*, meters labelled node=node-7\n"),
                    out.toString());
            assertTrue(server.metrics().scrape().contains("webrepl_terminals_attached{mode=\"view\",node=\"node-7\"} 0.0"),
                    "node label in the scrape");
            assertEquals(java.util.Optional.of("node-7"), server.server().sessions().node());
            URI admin = URI.create("http://127.0.0.1:" + server.admin().port());
            HttpResponse<String> drain = HttpClient.newHttpClient().send(HttpRequest.newBuilder(admin.resolve("/drain"))
                    .header("X-Webrepl-Admin", "1").POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(202, drain.statusCode());
            assertEquals("{\"status\":\"draining\",\"sessions\":0}", drain.body());
            HttpResponse<String> health = HttpClient.newHttpClient().send(
                    HttpRequest.newBuilder(admin.resolve("/health")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(503, health.statusCode());
            assertEquals("{\"status\":\"draining\",\"listening\":true,\"node\":\"node-7\",\"sessions\":0,"
                    + "\"maxSessions\":1000,\"enginePool\":{\"kind\":\"echo\"}}", health.body());
            assertTrue(server.server().isDraining());
            server.server().whenDrained().get(10, java.util.concurrent.TimeUnit.SECONDS);
        }
    }

    @Test
    void anUnusableAdminTokenFileIsAOneLineStartupError() throws IOException {
        Path missing = dir.resolve("missing");
        Path empty = Files.writeString(dir.resolve("empty"), "\n");
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        assertEquals(2, CapturedCli.webrepl(out, err).execute("serve", "--port", "0", "--admin-port", "0",
                "--root", dir.toString(), "--password", "pw", "--engine", "echo", "--admin-token-file", missing.toString()));
        assertEquals("--admin-token-file: " + missing + ": no such file\n"
                + "Try 'webrepl serve --help' for more information.\n", err.toString());
        CommandLine.ParameterException e = org.junit.jupiter.api.Assertions.assertThrows(
                CommandLine.ParameterException.class, parse("--admin-token-file", empty.toString())::adminOptions);
        assertEquals("--admin-token-file: " + empty + ": its first line is empty; it must hold the token", e.getMessage());
    }

    @Test
    void adminAllowedHostsAreNamesOrNamesWithPorts() {
        assertEquals(java.util.List.of("admin.example", "proxy.example:443"), parse("--admin-allowed-host", "admin.example",
                "--admin-allowed-host", "proxy.example:443").adminOptions().access().allowedHosts());
        CommandLine.ParameterException e = org.junit.jupiter.api.Assertions.assertThrows(
                CommandLine.ParameterException.class, parse("--admin-allowed-host", "a/b")::adminOptions);
        assertEquals("--admin-allowed-host: \"a/b\" is not NAME or NAME:PORT", e.getMessage());
    }

    @Test
    void aNodeNameOutsideAZDigitsAndDashIsAUsageError() {
        CommandLine.ParameterException e = org.junit.jupiter.api.Assertions.assertThrows(
                CommandLine.ParameterException.class, parse("--node", "Node.1")::nodeName);
        assertEquals("--node: \"Node.1\" is not 1 to 32 of a-z, 0-9 and '-'", e.getMessage());
    }

    @Test
    void noAdminRunsWithoutTheAdminListener() throws IOException {
        try (MonitoredServer server = parse("--port", "0", "--no-admin", "--root", dir.toString(),
                "--password", "pw", "--engine", "echo").start()) {
            assertNull(server.admin());
            assertFalse(out.toString().contains("admin http://"), out.toString());
        }
    }

    @Test
    void theAdminHostAndPortAreTheListenersAddress() {
        assertEquals(new dev.webrepl.metrics.AdminOptions("::1", 9000),
                parse("--admin-host", "::1", "--admin-port", "9000").adminOptions());
    }

    @Test
    void anAdminPortOutOfRangeIsAUsageError() {
        CommandLine.ParameterException e = org.junit.jupiter.api.Assertions.assertThrows(
                CommandLine.ParameterException.class, parse("--admin-port", "70000")::adminOptions);
        assertEquals("--admin-port: admin port 70000 is not 0..65535", e.getMessage());
    }

    @Test
    void healthDescribesTheJShellWarmPool() {
        ServeCommand cmd = parse("--engine", "jshell", "--jshell-execution", "LOCAL", "--prewarm", "1");
        try {
            cmd.engines(dir);
            java.util.Map<String, Object> pool = cmd.enginePool();
            assertEquals(java.util.List.of("kind", "warm", "size"), java.util.List.copyOf(pool.keySet()));
            assertEquals("jshell", pool.get("kind"));
            assertEquals(1, pool.get("size"));
        } finally {
            cmd.closeEngines();
        }
        assertEquals(java.util.Map.of("kind", "jshell"), cmd.enginePool(), "no pool once the engines are closed");
    }

    @Test
    void prewarmAutoKeepsOneWarmInstanceAtFirstAndSaysSoInHealth() throws Exception {
        ServeCommand cmd = parse("--engine", "jshell", "--jshell-execution", "LOCAL", "--prewarm", "auto");
        try {
            cmd.engines(dir);
            java.util.Map<String, Object> pool = cmd.enginePool();
            assertEquals(java.util.List.of("kind", "warm", "size", "auto"), java.util.List.copyOf(pool.keySet()));
            assertEquals(1, pool.get("size")); // no session has started yet: one for the first person
            assertEquals(true, pool.get("auto"));
        } finally {
            cmd.closeEngines();
        }
    }

    @Test
    void theHelpGivesTheChildJvmsDefaultOptionsAsTheyAre() {
        String help = String.join(" ", new CommandLine(new ServeCommand()).getCommandSpec()
                .findOption("--jshell-vm-options").description());
        assertTrue(help.contains("(default: \"" + String.join(" ",
                dev.webrepl.engines.jshell.JShellConfig.DEFAULT_REMOTE_VM_OPTIONS) + "\")"), help);
    }

    @Test
    void prewarmIsACountOrAuto() {
        for (String bad : new String[] {"many", "-1", ""}) {
            CommandLine.ParameterException e = org.junit.jupiter.api.Assertions.assertThrows(
                    CommandLine.ParameterException.class, () -> parse("--engine", "jshell", "--prewarm", bad).engines(dir));
            assertEquals("--prewarm must be 0 or more, or auto: " + bad, e.getMessage());
        }
    }

    @Test
    void generatesAndPrintsAPasswordOnceWhenNoneIsGiven() throws IOException {
        // The environment may carry WEBREPL_PASSWORD on a developer machine; this test needs it unset.
        org.junit.jupiter.api.Assumptions.assumeTrue(System.getenv(ServeCommand.PASSWORD_ENV) == null);
        Path root = dir.resolve("files");
        try (MonitoredServer server = parse("--port", "0", "--admin-port", "0", "--root", root.toString(),
                "--jshell-warm-up", "false").start()) {
            Matcher m = Pattern.compile("Generated password \\(shown once\\): ([A-Za-z0-9]{12})\\n").matcher(out.toString());
            assertTrue(m.find(), out.toString());
            assertTrue(server.server().options().password().matches(m.group(1).getBytes(StandardCharsets.UTF_8)));
            assertEquals(1, out.toString().split("Generated password", -1).length - 1);
            assertTrue(Files.isDirectory(root), "the root is created");
        }
    }

    @Test
    void readsThePasswordFromTheFirstLineOfAPasswordFile() throws IOException {
        Path file = dir.resolve("pw");
        Files.writeString(file, "s3cret-from-file\nsecond line\n");
        try (MonitoredServer server = parse("--port", "0", "--admin-port", "0", "--root", dir.resolve("r").toString(),
                "--password-file", file.toString(), "--jshell-warm-up", "false").start()) {
            assertTrue(server.server().options().password().matches("s3cret-from-file".getBytes(StandardCharsets.UTF_8)));
            assertTrue(!out.toString().contains("Generated password"), out.toString());
        }
    }

    @Test
    void printsTheAddressItListensOn() throws IOException {
        try (MonitoredServer server = parse("--port", "0", "--admin-port", "0", "--root", dir.toString(), "--password", "pw",
                "--jshell-warm-up", "false").start()) {
            assertNotEquals(0, server.server().port());
            assertTrue(out.toString().contains("webrepl serving http://127.0.0.1:" + server.server().port() + "/"), out.toString());
        }
    }

    @Test
    void rejectsAnEmptyPassword() {
        ServeCommand cmd = parse("--port", "0", "--admin-port", "0", "--root", dir.toString(), "--password", "");
        CommandLine.ParameterException e = org.junit.jupiter.api.Assertions.assertThrows(
                CommandLine.ParameterException.class, cmd::start);
        assertEquals("empty password from --password", e.getMessage());
    }

    @Test
    void sessionOptionsBecomeTheSessionConfig() {
        dev.webrepl.dupterm.SessionConfig c = parse("--max-sessions", "3", "--max-terminals", "2", "--linger", "90s",
                "--idle-timeout", "5m", "--input-queue", "4096", "--output-low-water", "1000",
                "--output-high-water", "2000", "--output-cap", "3000", "--scrollback", "100",
                "--limit-time", "2h").sessionConfig();
        assertEquals(new dev.webrepl.dupterm.SessionConfig(4096, 2000, 1000, 3000, 100,
                java.time.Duration.ofSeconds(90), java.time.Duration.ofMinutes(5), 3, 2,
                dev.webrepl.dupterm.SessionConfig.DEFAULTS.workingDirectory(),
                dev.webrepl.dupterm.SessionConfig.DEFAULTS.readyTimeout(), java.time.Duration.ofHours(2)), c);
    }

    @Test
    void sessionDefaultsAreTheDocumentedOnes() {
        assertEquals(dev.webrepl.dupterm.SessionConfig.DEFAULTS, parse().sessionConfig());
    }

    @Test
    void durationsTakeUnits() {
        ServeCommand.DurationConverter d = new ServeCommand.DurationConverter();
        assertEquals(java.time.Duration.ofMillis(250), d.convert("250ms"));
        assertEquals(java.time.Duration.ofSeconds(42), d.convert("42"));
        assertEquals(java.time.Duration.ofMinutes(5), d.convert("5m"));
        assertEquals(java.time.Duration.ofHours(2), d.convert("2h"));
        assertEquals(java.time.Duration.ZERO, d.convert("0"));
        org.junit.jupiter.api.Assertions.assertThrows(CommandLine.TypeConversionException.class, () -> d.convert("soon"));
    }

    @Test
    void inconsistentOutputLimitsAreAUsageError() {
        ServeCommand cmd = parse("--output-low-water", "5000", "--output-high-water", "100");
        org.junit.jupiter.api.Assertions.assertThrows(CommandLine.ParameterException.class, cmd::sessionConfig);
    }

    @Test
    void processEngineNeedsACommand() {
        ServeCommand cmd = parse("--engine", "process");
        CommandLine.ParameterException e = org.junit.jupiter.api.Assertions.assertThrows(
                CommandLine.ParameterException.class, () -> cmd.engines(dir));
        assertTrue(e.getMessage().startsWith("--engine process needs --command"), e.getMessage());
    }

    @Test
    void aProgramThatCannotStartIsRefusedAtServerStartInOneLine() {
        ServeCommand cmd = parse("--engine", "process", "--command", "/usr/bin/nonexistent-webrepl-program -i");
        CommandLine.ParameterException e = org.junit.jupiter.api.Assertions.assertThrows(
                CommandLine.ParameterException.class, () -> cmd.engines(dir));
        assertEquals("cannot start process: /usr/bin/nonexistent-webrepl-program is not an executable file", e.getMessage());

        ServeCommand onPath = parse("--engine", "process", "--command", "nonexistent-webrepl-program");
        e = org.junit.jupiter.api.Assertions.assertThrows(CommandLine.ParameterException.class, () -> onPath.engines(dir));
        assertTrue(e.getMessage().startsWith("cannot start process: nonexistent-webrepl-program is not an executable file "
                + "on PATH "), e.getMessage());
    }

    /**
     * Issue 17 item 7: a program that was there at server start but is gone when a session starts it: the
     * terminal gets the reason in words, the connection closes with 1011, and the log has one WARN line
     * naming the session, without a stack trace.
     */
    @Test
    void aProgramThatVanishesAfterTheServerStartedIsTheSessionsLastLineAndOneWarnWithoutATrace() throws Exception {
        Path program = Files.createDirectories(dir.resolve("bin")).resolve("vanishing");
        Files.writeString(program, "#!/bin/sh\nexec /bin/sh\n");
        assertTrue(program.toFile().setExecutable(true));
        Path root = dir.resolve("root");
        try (MonitoredServer server = parse("--port", "0", "--no-admin", "--root", root.toString(), "--password", "pw",
                "--engine", "process", "--command", program.toString(), "--sandbox", "none").start();
             dev.webrepl.testkit.LogCapture log = dev.webrepl.testkit.LogCapture.of("dev.webrepl", ch.qos.logback.classic.Level.WARN);
             dev.webrepl.transport.client.WebReplClient client = dev.webrepl.transport.client.WebReplClient.newClient()) {
            Files.delete(program);
            StringBuilder seen = new StringBuilder();
            dev.webrepl.transport.client.ReplConnection c = client.connect("127.0.0.1", server.server().port(), "pw")
                    .get(30, java.util.concurrent.TimeUnit.SECONDS);
            c.output().subscribe(b -> {
                synchronized (seen) {
                    seen.append(new String(b, StandardCharsets.UTF_8));
                }
            });
            c.onClose().get(30, java.util.concurrent.TimeUnit.SECONDS);
            String reason = "engine failed to start: cannot start process: " + program + " is not an executable file";
            String id;
            synchronized (seen) {
                Matcher m = Pattern.compile("webrepl: session /session/([^\\r]+)\r\n").matcher(seen);
                assertTrue(m.find(), seen.toString());
                id = m.group(1);
                assertEquals("\r\nWebREPL connected\r\n>>> \r\nwebrepl: session /session/" + id + "\r\n"
                        + "\r\nsession ended: " + reason + "\r\n", seen.toString());
            }
            assertEquals(java.util.Optional.of(new dev.webrepl.transport.client.ServerClose(1011, reason)), c.serverClose());
            java.util.List<ch.qos.logback.classic.spi.ILoggingEvent> events = log.events();
            assertEquals(java.util.List.of(new dev.webrepl.testkit.LogCapture.Line("WARN", reason, id, null)), log.lines());
            assertNull(events.get(0).getThrowableProxy(), "no stack trace");
        }
    }

    @Test
    void aCommandWithoutTheProcessEngineIsAUsageError() {
        ServeCommand cmd = parse("--command", "/bin/sh");
        CommandLine.ParameterException e = org.junit.jupiter.api.Assertions.assertThrows(
                CommandLine.ParameterException.class, () -> cmd.engines(dir));
        assertEquals("--command needs --engine process", e.getMessage());
    }

    @Test
    void theProcessEngineRunsTheCommandInAPtyBehindEverySession() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isExecutable(Path.of("/bin/sh")));
        // --sandbox none runs it as before the sandbox: in the root itself (ServeSandboxTest has it sandboxed).
        try (MonitoredServer server = parse("--port", "0", "--admin-port", "0", "--root", dir.toString(), "--password", "pw",
                "--engine", "process", "--command", "/bin/sh", "--sandbox", "none").start();
             dev.webrepl.transport.client.WebReplClient client = dev.webrepl.transport.client.WebReplClient.newClient();
             dev.webrepl.transport.client.ReplConnection c = client.connect("127.0.0.1", server.server().port(), "pw")
                     .get(30, java.util.concurrent.TimeUnit.SECONDS)) {
            java.util.concurrent.CompletableFuture<Void> answered = new java.util.concurrent.CompletableFuture<>();
            StringBuilder seen = new StringBuilder();
            String realDir = dir.toRealPath().toString();
            c.output().subscribe(b -> {
                synchronized (seen) {
                    seen.append(new String(b, StandardCharsets.UTF_8));
                    if (seen.indexOf("42\r\n") >= 0 && seen.indexOf(realDir) >= 0) {
                        answered.complete(null);
                    }
                }
            });
            c.send("echo $((6*7)); pwd\r");
            answered.get(30, java.util.concurrent.TimeUnit.SECONDS);
            assertTrue(out.toString().contains("engine process: /bin/sh"), out.toString());
            assertTrue(out.toString().contains("\nsandbox: none: programs run as the server's user, see what it sees, "
                    + "without limits\n"), out.toString());
        }
    }

    @Test
    void theJShellEngineEvaluatesJavaBehindEverySession() throws Exception {
        ServeCommand cmd = parse("--port", "0", "--admin-port", "0", "--root", dir.toString(), "--password", "pw",
                "--engine", "jshell", "--jshell-execution", "LOCAL");
        try (MonitoredServer server = cmd.start();
             dev.webrepl.transport.client.WebReplClient client = dev.webrepl.transport.client.WebReplClient.newClient();
             dev.webrepl.transport.client.ReplConnection c = client.connect("127.0.0.1", server.server().port(), "pw")
                     .get(30, java.util.concurrent.TimeUnit.SECONDS)) {
            java.util.concurrent.CompletableFuture<Void> answered = new java.util.concurrent.CompletableFuture<>();
            StringBuilder seen = new StringBuilder();
            c.output().subscribe(b -> {
                synchronized (seen) {
                    seen.append(new String(b, StandardCharsets.UTF_8));
                    if (seen.indexOf("6 * 7\r\n$1 ==> 42\r\njshell> ") >= 0) {
                        answered.complete(null);
                    }
                }
            });
            c.send("6 * 7\r");
            answered.get(60, java.util.concurrent.TimeUnit.SECONDS);
            assertTrue(out.toString().contains("engine jshell, local execution"), out.toString());
        } finally {
            cmd.closeEngines();
        }
    }

    @Test
    void aConnectionThatOnlyMovesFilesStartsNoJShellJvm() throws Exception {
        long before = ProcessHandle.current().descendants().count();
        Path local = dir.resolve("local.txt");
        Files.writeString(local, "hello");
        // No warm-up either: its child JVMs would be counted (ServeJShellWarmUpTest has it).
        ServeCommand cmd = parse("--port", "0", "--admin-port", "0", "--root", dir.resolve("root").toString(), "--password", "pw",
                "--jshell-warm-up", "false");
        try (MonitoredServer server = cmd.start();
             dev.webrepl.transport.client.WebReplClient client = dev.webrepl.transport.client.WebReplClient.newClient()) {
            try (dev.webrepl.transport.client.ReplConnection c = client.connect("127.0.0.1", server.server().port(), "pw")
                    .get(30, java.util.concurrent.TimeUnit.SECONDS)) {
                c.version().get(30, java.util.concurrent.TimeUnit.SECONDS);
                c.put(local, "copy.txt", dev.webrepl.transport.client.TransferProgress.NONE)
                        .get(30, java.util.concurrent.TimeUnit.SECONDS);
                // The session exists with its (jshell) engine, yet no child JVM was started for it.
                assertEquals(1, server.server().sessions().size());
                assertEquals(before, ProcessHandle.current().descendants().count());
            }
            assertEquals("hello", Files.readString(dir.resolve("root/copy.txt")));
        } finally {
            cmd.closeEngines();
        }
    }
}
