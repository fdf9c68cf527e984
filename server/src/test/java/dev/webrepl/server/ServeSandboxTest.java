package dev.webrepl.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.webrepl.engines.sandbox.Sandbox;
import dev.webrepl.transport.client.ReplConnection;
import dev.webrepl.transport.client.WebReplClient;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code serve --sandbox} and the {@code --limit-*} flags end to end (issue 18, README "Sandbox and
 * limits"): the reason a session ends with reaches its terminal, other sessions go on. Skipped
 * without bwrap (failed then with {@code WEBREPL_REQUIRE_SANDBOX=1}).
 */
class ServeSandboxTest {
    private static final long SECONDS = 30;

    @TempDir
    Path dir;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private static void requireBwrap() {
        if (Sandbox.findBwrap(System.getenv()).isEmpty()) {
            if ("1".equals(System.getenv("WEBREPL_REQUIRE_SANDBOX"))) {
                org.junit.jupiter.api.Assertions.fail("WEBREPL_REQUIRE_SANDBOX=1 but no bwrap");
            }
            assumeTrue(false, "no bwrap");
        }
    }

    /** What one terminal shows, and when it shows {@code expected}. */
    static final class Screen {
        final StringBuilder text = new StringBuilder();
        private String awaited;
        private CompletableFuture<Void> seen = new CompletableFuture<>();

        Screen(ReplConnection c) {
            c.output().subscribe(b -> {
                synchronized (this) {
                    text.append(new String(b, StandardCharsets.UTF_8));
                    if (awaited != null && text.indexOf(awaited) >= 0) {
                        seen.complete(null);
                    }
                }
            });
        }

        void await(String expected) throws Exception {
            synchronized (this) {
                awaited = expected;
                seen = new CompletableFuture<>();
                if (text.indexOf(expected) >= 0) {
                    seen.complete(null);
                }
            }
            try {
                seen.get(SECONDS, TimeUnit.SECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                throw new AssertionError("no " + expected + " in " + this, e);
            }
        }

        @Override
        public synchronized String toString() {
            return text.toString();
        }
    }

    @Test
    void aSessionPastItsMemoryLimitEndsWithTheReasonWhileAnotherKeepsEchoing() throws Exception {
        requireBwrap();
        ServeCommand cmd = CapturedCli.parseServe(out, err, "--port", "0", "--no-admin", "--root", dir.toString(),
                "--password", "pw", "--engine", "process", "--command", "/bin/sh", "--sandbox", "bwrap",
                "--limit-memory", "32m");
        try (MonitoredServer server = cmd.start();
             WebReplClient client = WebReplClient.newClient();
             ReplConnection hog = client.connect("127.0.0.1", server.server().port(), "pw").get(SECONDS, TimeUnit.SECONDS);
             ReplConnection other = client.connect("127.0.0.1", server.server().port(), "pw").get(SECONDS, TimeUnit.SECONDS)) {
            assertTrue(out.toString().contains("\nsandbox: bubblewrap "), out.toString());
            assumeTrue(out.toString().contains("limits by cgroup"), "the memory limit ends a session only with cgroups: " + out);
            // The start line says how each limit is enforced (the defaults but memory); ServeSandboxRlimitsTest has rlimits'.
            String start = out.toString().lines().filter(l -> l.startsWith("sandbox: ")).findFirst().orElseThrow();
            assertTrue(start.matches("sandbox: bubblewrap \\S+ \\(own mount, PID, IPC and network namespaces(, user namespace)?, "
                    + "no capabilities\\); limits by cgroup v[12]: memory 32 MiB, cpu 1, processes 128; open files 256 by rlimit"),
                    start);
            Screen hogScreen = new Screen(hog);
            Screen otherScreen = new Screen(other);

            hog.send("awk 'BEGIN { s = \"x\"; while (1) s = s s }'\r");
            hog.onClose().get(SECONDS, TimeUnit.SECONDS);
            assertTrue(hogScreen.toString().endsWith("\r\nsession ended: memory limit 32 MiB reached\r\n"), hogScreen.toString());

            other.send("echo $((6*7))\r");
            otherScreen.await("\r\n42\r\n");
            assertTrue(other.isOpen());
        } finally {
            cmd.closeEngines();
        }
    }

    @Test
    void aPythonSessionReadsNothingOfTheServersAndAGigabyteEndsItWithTheMemoryReason() throws Exception {
        requireBwrap();
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/python3")), "needs /usr/bin/python3");
        Path root = Files.createDirectories(dir.resolve("files"));
        Path key = Files.writeString(dir.resolve("tls-key.pem"), "-----BEGIN PRIVATE KEY-----\n");
        Path otherRoot = Files.createDirectories(dir.resolve("other-user"));
        Files.writeString(otherRoot.resolve("notes.txt"), "private\n");
        ServeCommand cmd = CapturedCli.parseServe(out, err, "--port", "0", "--no-admin", "--root", root.toString(),
                "--password", "pw", "--engine", "process", "--command", "/usr/bin/python3 -i -q", "--sandbox", "bwrap",
                "--limit-memory", "64m");
        try (MonitoredServer server = cmd.start();
             java.net.ServerSocket listener = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress());
             WebReplClient client = WebReplClient.newClient();
             ReplConnection py = client.connect("127.0.0.1", server.server().port(), "pw").get(SECONDS, TimeUnit.SECONDS)) {
            assumeTrue(out.toString().contains("limits by cgroup"), "the memory limit ends a session only with cgroups: " + out);
            Screen screen = new Screen(py);
            for (Path p : java.util.List.of(Path.of("/etc/shadow"), key, otherRoot.resolve("notes.txt"))) {
                py.send("open('" + p + "').read()\r");
                screen.await("FileNotFoundError: [Errno 2] No such file or directory: '" + p + "'\r\n>>> ");
            }
            py.send("import socket; socket.create_connection(('127.0.0.1', " + listener.getLocalPort() + "))\r");
            screen.await("ConnectionRefusedError: [Errno 111] Connection refused\r\n>>> ");

            py.send("x = b'x' * (1 << 30)\r");
            py.onClose().get(SECONDS, TimeUnit.SECONDS);
            assertTrue(screen.toString().endsWith("x = b'x' * (1 << 30)\r\n\r\nsession ended: memory limit 64 MiB reached\r\n"),
                    screen.toString());
        } finally {
            cmd.closeEngines();
        }
    }

    @Test
    void ctrlCInASandboxedPythonIsAKeyboardInterruptAndTheSessionGoesOn() throws Exception {
        requireBwrap();
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/python3")), "needs /usr/bin/python3");
        Path root = Files.createDirectories(dir.resolve("files"));
        ServeCommand cmd = CapturedCli.parseServe(out, err, "--port", "0", "--no-admin", "--root", root.toString(),
                "--password", "pw", "--engine", "process", "--command", "/usr/bin/python3 -i -q", "--sandbox", "bwrap");
        try (MonitoredServer server = cmd.start();
             WebReplClient client = WebReplClient.newClient();
             ReplConnection py = client.connect("127.0.0.1", server.server().port(), "pw").get(SECONDS, TimeUnit.SECONDS)) {
            Screen screen = new Screen(py);
            screen.await(">>> ");
            py.send("while True: pass\r\r");
            screen.await("... \r\n");
            // The tty sends SIGINT to the whole foreground group, bwrap's own processes included: before
            // they ignored it, bwrap died of it and the session ended ("engine exited with status 130").
            py.send("\u0003");
            screen.await("KeyboardInterrupt\r\n>>> ");
            py.send("6*7\r");
            screen.await("6*7\r\n42\r\n>>> ");
        } finally {
            cmd.closeEngines();
        }
    }

    @Test
    void withUsersASandboxedPythonSeesOnlyItsOwnersFilesNotTheUsersFileTheKeyOrAnotherUsersRoot() throws Exception {
        requireBwrap();
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/python3")), "needs /usr/bin/python3");
        Path root = Files.createDirectories(dir.resolve("files"));
        Path users = Files.writeString(dir.resolve("users.txt"), "ann:ann-pw\nbob:bob-pw\n");
        Path key = Files.writeString(dir.resolve("tls-key.pem"), "-----BEGIN PRIVATE KEY-----\n");
        Files.createDirectories(root.resolve("bob"));
        Files.writeString(root.resolve("bob/secret.txt"), "bob's\n");
        Files.createDirectories(root.resolve("ann"));
        Files.writeString(root.resolve("ann/mine.txt"), "ann's\n");
        ServeCommand cmd = CapturedCli.parseServe(out, err, "--port", "0", "--no-admin", "--root", root.toString(),
                "--users", users.toString(), "--engine", "process", "--command", "/usr/bin/python3 -i -q",
                "--sandbox", "bwrap");
        try (MonitoredServer server = cmd.start();
             WebReplClient client = WebReplClient.newClient();
             ReplConnection py = client.connect("127.0.0.1", server.server().port(), "ann:ann-pw")
                     .get(SECONDS, TimeUnit.SECONDS)) {
            Screen screen = new Screen(py);
            py.send("open('mine.txt').read()\r");
            screen.await("\"ann's\\n\"\r\n>>> ");
            for (String p : java.util.List.of(users.toString(), "/etc/shadow", key.toString(),
                    root.resolve("bob/secret.txt").toString(), "../bob/secret.txt")) {
                py.send("open('" + p + "').read()\r");
                screen.await("FileNotFoundError: [Errno 2] No such file or directory: '" + p + "'\r\n>>> ");
            }
        } finally {
            cmd.closeEngines();
        }
    }

    @Test
    void withUsersTheDefaultJshellRunsInTheOwnersSandboxAndSeesNothingOfTheServers() throws Exception {
        requireBwrap();
        Path root = Files.createDirectories(dir.resolve("files"));
        Path users = Files.writeString(dir.resolve("users.txt"), "ann:ann-pw\nbob:bob-pw\n");
        Files.createDirectories(root.resolve("bob"));
        Files.writeString(root.resolve("bob/secret.txt"), "bob's\n");
        Files.createDirectories(root.resolve("ann"));
        Files.writeString(root.resolve("ann/mine.txt"), "ann's\n");
        // The default engine (jshell, REMOTE) and the default sandbox (bwrap where it works): no flag needed.
        ServeCommand cmd = CapturedCli.parseServe(out, err, "--port", "0", "--no-admin", "--root", root.toString(),
                "--users", users.toString(), "--prewarm", "1");
        try (MonitoredServer server = cmd.start();
             WebReplClient client = WebReplClient.newClient();
             ReplConnection js = client.connect("127.0.0.1", server.server().port(), "ann:ann-pw")
                     .get(SECONDS, TimeUnit.SECONDS)) {
            assertTrue(out.toString().contains("\nsandbox: bubblewrap "), out.toString());
            assertTrue(err.toString().contains("NOTE: --prewarm is not used with --users"), err.toString());
            Screen screen = new Screen(js);
            screen.await("jshell> ");
            js.send("Files.readString(Path.of(\"mine.txt\")) + System.getProperty(\"user.dir\")\r");
            screen.await("$1 ==> \"ann's\\n/home/webrepl\"\r\njshell> ");
            for (String p : java.util.List.of(users.toString(), "/etc/shadow", root.resolve("bob/secret.txt").toString(),
                    "../bob/secret.txt")) {
                js.send("Files.readString(Path.of(\"" + p + "\"))\r");
                screen.await("|  Exception java.nio.file.NoSuchFileException: " + p + "\r\n");
            }
        } finally {
            cmd.closeEngines();
        }
    }

    @Test
    void aForkBombIsHeldAtTheProcessLimitAndTheServerServesAnotherSession() throws Exception {
        requireBwrap();
        ServeCommand cmd = CapturedCli.parseServe(out, err, "--port", "0", "--no-admin", "--root", dir.toString(),
                "--password", "pw", "--engine", "process", "--command", "/bin/sh", "--sandbox", "bwrap",
                "--limit-processes", "32");
        try (MonitoredServer server = cmd.start();
             WebReplClient client = WebReplClient.newClient()) {
            assumeTrue(out.toString().contains("limits by cgroup") || out.toString().contains("(RLIMIT_NPROC in"),
                    "no process limit here: " + out);
            try (ReplConnection bomb = client.connect("127.0.0.1", server.server().port(), "pw").get(SECONDS, TimeUnit.SECONDS)) {
                Screen bombScreen = new Screen(bomb);
                bomb.send("b() { b | b & }; b\r");
                bombScreen.await("Cannot fork");

                try (ReplConnection other = client.connect("127.0.0.1", server.server().port(), "pw")
                        .get(SECONDS, TimeUnit.SECONDS)) {
                    Screen otherScreen = new Screen(other);
                    other.send("echo $((6*7))\r");
                    otherScreen.await("\r\n42\r\n");
                }
            }
        } finally {
            cmd.closeEngines();
        }
    }

    @Test
    void micropythonReplsRunInTheirSessionsCgroups() throws Exception {
        java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of("--port", "0", "--no-admin", "--root",
                dir.toString(), "--password", "pw", "--engine", "micropython", "--sandbox", "bwrap"));
        args.addAll(MicroPythonEngineTest.runtime());
        ServeCommand cmd = CapturedCli.parseServe(out, err, args.toArray(String[]::new));
        try (MonitoredServer server = cmd.start();
             WebReplClient client = WebReplClient.newClient();
             ReplConnection c = client.connect("127.0.0.1", server.server().port(), "pw").get(SECONDS, TimeUnit.SECONDS)) {
            assumeTrue(out.toString().contains("limits by cgroup"), "no cgroups here: " + out);
            Screen screen = new Screen(c);
            c.send("6*7\r");
            screen.await("42\r\n>>> ");

            String group = "/webrepl-" + ProcessHandle.current().pid() + "/s-";
            java.util.List<String> confined = ProcessHandle.current().descendants()
                    .filter(h -> cgroups(h).contains(group))
                    .map(h -> h.info().command().map(p -> Path.of(p).getFileName().toString()).orElse("?"))
                    .sorted().distinct().toList();
            assertTrue(confined.contains("bwrap") && (confined.contains("micropython") || confined.contains("node")),
                    "the REPL and its bwrap in the session's groups: " + confined);
        } finally {
            cmd.closeEngines();
        }
    }

    private static String cgroups(ProcessHandle h) {
        try {
            return Files.readString(Path.of("/proc", String.valueOf(h.pid()), "cgroup"));
        } catch (java.io.IOException e) {
            return "";
        }
    }

    @Test
    void aSessionEndsAtItsTimeLimitWithTheReason() throws Exception {
        ServeCommand cmd = CapturedCli.parseServe(out, err, "--port", "0", "--no-admin", "--root", dir.toString(),
                "--password", "pw", "--engine", "echo", "--limit-time", "1s");
        try (MonitoredServer server = cmd.start();
             WebReplClient client = WebReplClient.newClient();
             ReplConnection c = client.connect("127.0.0.1", server.server().port(), "pw").get(SECONDS, TimeUnit.SECONDS)) {
            Screen screen = new Screen(c);
            c.onClose().get(SECONDS, TimeUnit.SECONDS);
            assertTrue(screen.toString().endsWith("\r\nsession ended: time limit 1 s reached\r\n"), screen.toString());
            assertTrue(out.toString().contains("\ntime limit per session: 1s\n"), out.toString());
        } finally {
            cmd.closeEngines();
        }
    }

    @Test
    void programsOutsideASandboxAreNamedUnlessSandboxNoneWasGiven() throws Exception {
        ServeCommand local = CapturedCli.parseServe(out, err, "--engine", "jshell", "--jshell-execution", "LOCAL");
        assertEquals(Optional.of("--engine jshell with LOCAL execution (in the server's JVM) would run programs "
                + "without a sandbox; give --sandbox none to allow that"), local.unsandboxedPrograms());
        assertEquals(Optional.empty(), CapturedCli.parseServe(out, err, "--engine", "jshell", "--sandbox", "none")
                .unsandboxedPrograms());
        assertEquals(Optional.empty(), CapturedCli.parseServe(out, err, "--engine", "echo").unsandboxedPrograms());

        requireBwrap();
        ServeCommand process = CapturedCli.parseServe(out, err, "--root", dir.toString(), "--engine", "process",
                "--command", "/bin/sh");
        try {
            process.engines(Files.createDirectories(dir));
            assertEquals(Optional.empty(), process.unsandboxedPrograms());
        } finally {
            process.closeEngines();
        }
        // jshell's REMOTE child JVMs are confined with the sandbox (they were not before issue 18's end).
        ServeCommand jshell = CapturedCli.parseServe(out, err, "--root", dir.toString(), "--engine", "jshell");
        try {
            jshell.engines(Files.createDirectories(dir));
            assertEquals(Optional.empty(), jshell.unsandboxedPrograms());
        } finally {
            jshell.closeEngines();
        }
    }

    @Test
    void aLimitThatIsNotASizeIsAUsageError() {
        ServeCommand cmd = CapturedCli.parseServe(out, err, "--limit-memory", "lots");
        picocli.CommandLine.ParameterException e = org.junit.jupiter.api.Assertions.assertThrows(
                picocli.CommandLine.ParameterException.class, cmd::limits);
        assertEquals("--limit-memory: not a size: lots (e.g. 512m, 1g)", e.getMessage());
    }
}
