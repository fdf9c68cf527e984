package dev.webrepl.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.webrepl.engines.micropython.WasmRunner;
import dev.webrepl.transport.client.ReplConnection;
import dev.webrepl.transport.client.ServerClose;
import dev.webrepl.transport.client.TransferProgress;
import dev.webrepl.transport.client.WebReplClient;
import java.io.ByteArrayOutputStream;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --engine micropython} with a real MicroPython (issue 16 point 5): the REPL's bytes as a board
 * sends them, the file root as its {@code /}, soft reset inside the session, nothing left running.
 * Needs MicroPython's unix port ({@code -Dwebrepl.micropython=PATH}, {@code $WEBREPL_MICROPYTHON} or
 * {@code micropython} on PATH) and bubblewrap; skipped without them unless
 * {@code WEBREPL_REQUIRE_MICROPYTHON=1} or {@code -Dwebrepl.requireMicropython=true}, which make their
 * absence a failure (CI). Needs the unix port 1.27 or later (the first whose REPL has the raw REPL).
 */
class MicroPythonEngineTest {
    private static final long WAIT_SECONDS = 30;
    private static final String BANNER_END = "Type \"help()\" for more information.\r\n>>> ";

    @TempDir
    Path root;

    private final StringWriter out = new StringWriter();
    private MonitoredServer server;
    private WebReplClient client;

    /**
     * How MicroPython runs here: the unix port if there is one, else the WebAssembly port (CI's); either
     * way in bubblewrap. {@code -Dwebrepl.micropythonRuntime=unix|wasm} chooses. A skip without them,
     * a failure when required.
     */
    static List<String> runtime() {
        String chosen = System.getProperty("webrepl.micropythonRuntime", "");
        String given = System.getProperty("webrepl.micropython", System.getenv("WEBREPL_MICROPYTHON"));
        Optional<Path> unix = given != null && !given.isEmpty() ? Optional.of(Path.of(given)).filter(Files::isExecutable)
                : Stream.of(System.getenv().getOrDefault("PATH", "").split(":")).filter(d -> !d.isEmpty())
                        .map(d -> Path.of(d, "micropython")).filter(Files::isExecutable).findFirst();
        boolean wasm = WasmRunner.findNode().isPresent() && WasmRunner.findPackage(Optional.empty()).isPresent();
        boolean bwrap = Files.isExecutable(Path.of("/usr/bin/bwrap"));
        if (bwrap && unix.isPresent() && !chosen.equals("wasm")) {
            return List.of("--micropython", unix.get().toString());
        }
        if (bwrap && wasm && !chosen.equals("unix")) {
            return List.of("--micropython-runtime", "wasm");
        }
        String why = "needs /usr/bin/bwrap and MicroPython: its unix port (-Dwebrepl.micropython, $WEBREPL_MICROPYTHON "
                + "or micropython on PATH) or its WebAssembly port (node and " + WasmRunner.PACKAGE + ")";
        if ("1".equals(System.getenv("WEBREPL_REQUIRE_MICROPYTHON")) || Boolean.getBoolean("webrepl.requireMicropython")) {
            fail("WEBREPL_REQUIRE_MICROPYTHON=1 or -Dwebrepl.requireMicropython=true: " + why);
        }
        Assumptions.assumeTrue(false, why);
        return List.of();
    }

    private ServeCommand command;

    private ReplConnection connect(String... extra) throws Exception {
        List<String> args = new java.util.ArrayList<>(List.of("--port", "0", "--admin-port", "0", "--root", root.toString(),
                "--password", "pw", "--engine", "micropython", "--linger", "0s"));
        args.addAll(runtime());
        args.addAll(List.of(extra));
        command = CapturedCli.parseServe(out, args.toArray(String[]::new));
        server = command.start();
        client = WebReplClient.newClient();
        return client.connect("127.0.0.1", server.server().port(), "pw").get(WAIT_SECONDS, TimeUnit.SECONDS);
    }

    @AfterEach
    void stop() {
        if (client != null) {
            client.close();
        }
        if (server != null) {
            server.close();
        }
        if (command != null) {
            command.closeEngines();
        }
    }

    /** Everything a terminal received, and a way to wait until it shows something. */
    static final class Screen {
        private final ByteArrayOutputStream seen = new ByteArrayOutputStream();
        private CompletableFuture<Void> change = new CompletableFuture<>();

        Screen(ReplConnection c) {
            c.output().subscribe(b -> {
                CompletableFuture<Void> f;
                synchronized (this) {
                    seen.writeBytes(b);
                    f = change;
                    change = new CompletableFuture<>();
                }
                f.complete(null);
            });
        }

        synchronized int mark() {
            return seen.size();
        }

        synchronized String since(int mark) {
            byte[] all = seen.toByteArray();
            return new String(all, mark, all.length - mark, StandardCharsets.ISO_8859_1);
        }

        /** Waits until what arrived after {@code mark} contains {@code text}; returns all of it. */
        String await(int mark, String text) throws Exception {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
            while (true) {
                CompletableFuture<Void> f;
                synchronized (this) {
                    String s = since(mark);
                    if (s.contains(text)) {
                        return s;
                    }
                    f = change;
                }
                try {
                    f.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                } catch (TimeoutException e) {
                    fail("no " + printable(text) + " in " + printable(since(mark)));
                }
            }
        }

        /** Sends {@code input} and waits for {@code end} in the output it caused; returns that output. */
        String send(ReplConnection c, String input, String end) throws Exception {
            int m = mark();
            c.send(input.getBytes(StandardCharsets.ISO_8859_1)).get(WAIT_SECONDS, TimeUnit.SECONDS);
            return await(m, end);
        }
    }

    static String printable(String s) {
        return s.replace("\r", "\\r").replace("\n", "\\n").replace("\u0004", "\\x04");
    }

    private Screen started(ReplConnection c) throws Exception {
        Screen screen = new Screen(c);
        screen.await(0, BANNER_END);
        return screen;
    }

    @Test
    void theFriendlyReplAnswersWithTheBoardsBytes() throws Exception {
        ReplConnection c = connect();
        Screen s = started(c);
        assertEquals("1+1\r\n2\r\n>>> ", s.send(c, "1+1\r", "\r\n>>> "));
        assertEquals("print('a\\nb')\r\na\r\nb\r\n>>> ", s.send(c, "print('a\\nb')\r", "\r\n>>> "));
        assertTrue(out.toString().contains(", bubblewrap sandbox)\n"), out.toString());
    }

    @Test
    void theRawReplIsEnteredAndAnswersAsOnABoard() throws Exception {
        ReplConnection c = connect();
        Screen s = started(c);
        // mpfshell and pyboard.py wait for exactly this after Ctrl-A; Thonny for OK...\x04...\x04>.
        assertEquals("\r\nraw REPL; CTRL-B to exit\r\n>", s.send(c, "\u0001", "exit\r\n>"));
        assertEquals("OK2\r\n\u0004\u0004>", s.send(c, "print(1+1)\u0004", "\u0004>"));
        assertEquals("OK\u0004Traceback (most recent call last):\r\n  File \"<stdin>\", line 1, in <module>\r\n"
                + "ZeroDivisionError: divide by zero\r\n\u0004>", s.send(c, "1/0\u0004", "\u0004>"));
        String back = s.send(c, "\u0002", BANNER_END);
        assertTrue(back.startsWith("\r\nMicroPython v"), printable(back));
    }

    @Test
    void pasteModeAnswersAsOnABoard() throws Exception {
        ReplConnection c = connect();
        Screen s = started(c);
        // Thonny confirms paste mode by this exact line.
        assertEquals("\r\npaste mode; Ctrl-C to cancel, Ctrl-D to finish\r\n=== ", s.send(c, "\u0005", "=== "));
        assertEquals("x = 6\r\n=== print(x * 7)\r\n=== \r\n42\r\n>>> ",
                s.send(c, "x = 6\rprint(x * 7)\r\u0004", "\r\n>>> "));
    }

    @Test
    void pasteModeEchoesEveryByteRawAsABoardDoes() throws Exception {
        ReplConnection c = connect();
        Screen s = started(c);
        s.send(c, "\u0005", "=== ");
        // Thonny pastes with "\n" line ends and checks that each comes back as "\n" (pyexec.c echoes raw;
        // only "\r" is echoed as "\r\n=== "); the unix port reads "\n" as "\r", which the engine undoes.
        assertEquals("x = 6\nprint(x * 7)\r\n=== \nprint('a\\nb')\n",
                s.send(c, "x = 6\nprint(x * 7)\r\nprint('a\\nb')\n", "b')\n"));
        // What the pasted code prints is a board's again: "\r\n".
        assertEquals("\r\n42\r\na\r\nb\r\n>>> ", s.send(c, "\u0004", "\r\n>>> "));
        s.send(c, "\u0005", "=== ");
        assertEquals("y\n", s.send(c, "y\n", "y\n"));
        // Ctrl-C, which reaches the engine out of band, ends paste mode too.
        assertEquals("\r\n>>> ", s.send(c, "\u0003", "\r\n>>> "));
        assertEquals("print(1)\r\n1\r\n>>> ", s.send(c, "print(1)\r", "\r\n>>> "));
    }

    @Test
    void osAndUosAreOneModuleWithABoardsUnameAlsoAfterASoftReset() throws Exception {
        ReplConnection c = connect();
        Screen s = started(c);
        // mpfshell at connect: "import uos" (else os), then uos.uname()[0], a board's port name.
        String check = "import uos, os, sys; from os import uname; u = uos.uname(); "
                + "(uos is os, uname is os.uname, u.sysname == u.nodename == sys.platform, "
                + "u.release.startswith('.'.join(str(n) for n in sys.implementation.version[:3])), "
                + "'MicroPython ' + u.version == sys.version.split('; ')[1], u.machine == sys.implementation._machine, "
                // Thonny's back end at connect: machine.unique_id() (it fails without one).
                + "__import__('machine').unique_id() == b'webrepl\\x01')\r";
        String answer = "(True, True, True, True, True, True, True)\r\n>>> ";
        assertTrue(s.send(c, check, "\r\n>>> ").endsWith(answer), printable(s.since(0)));
        s.send(c, "\u0004", BANNER_END);
        assertTrue(s.send(c, check, "\r\n>>> ").endsWith(answer), printable(s.since(0)));
    }

    @Test
    void theFileRootIsTheReplsSlashForPutGetAndTheRepl() throws Exception {
        ReplConnection c = connect();
        Screen s = started(c);
        Path local = Files.writeString(root.resolveSibling(root.getFileName() + "-put.txt"), "put over webrepl");
        c.put(local, "put.txt", TransferProgress.NONE).get(WAIT_SECONDS, TimeUnit.SECONDS);
        c.mkdir("lib").get(WAIT_SECONDS, TimeUnit.SECONDS);
        String entries;
        try (Stream<Path> list = Files.list(root)) {
            entries = list.map(p -> "'" + p.getFileName() + "'").sorted().collect(Collectors.joining(", ", "[", "]"));
        }
        assertEquals("['lib', 'put.txt']", entries);
        assertEquals("import os; sorted(os.listdir('/')), os.getcwd()\r\n(" + entries + ", '/')\r\n>>> ",
                s.send(c, "import os; sorted(os.listdir('/')), os.getcwd()\r", "\r\n>>> "));
        assertEquals("open('/put.txt').read()\r\n'put over webrepl'\r\n>>> ",
                s.send(c, "open('/put.txt').read()\r", "\r\n>>> "));
        s.send(c, "f = open('lib/made.py', 'w'); f.write('made = 42\\n'); f.close()\r", "\r\n>>> ");
        Path got = root.resolveSibling(root.getFileName() + "-got.py");
        c.get("lib/made.py", got, TransferProgress.NONE).get(WAIT_SECONDS, TimeUnit.SECONDS);
        assertEquals("made = 42\n", Files.readString(got));
        assertEquals("made = 42\n", Files.readString(root.resolve("lib/made.py")));
        // /lib is on sys.path, as on a board.
        assertEquals("import made; made.made\r\n42\r\n>>> ", s.send(c, "import made; made.made\r", "\r\n>>> "));
    }

    @Test
    void ctrlDAtThePromptSoftResetsAndTheConnectionStays() throws Exception {
        ReplConnection c = connect();
        Screen s = started(c);
        s.send(c, "x = 5\r", "\r\n>>> ");
        String reboot = s.send(c, "\u0004", BANNER_END);
        assertTrue(reboot.startsWith("\r\nMPY: soft reboot\r\nMicroPython v"), printable(reboot));
        assertTrue(c.isOpen());
        String after = s.send(c, "x\r", "\r\n>>> ");
        assertTrue(after.contains("NameError: name 'x' isn't defined\r\n"), printable(after));
        String exit = s.send(c, "import sys; sys.exit()\r", BANNER_END);
        assertTrue(exit.contains("\r\nMPY: soft reboot\r\nMicroPython v"), printable(exit));
        assertEquals("1+1\r\n2\r\n>>> ", s.send(c, "1+1\r", "\r\n>>> "));
    }

    @Test
    void aLongRawReplScriptSentInBlocksRunsWhole() throws Exception {
        ReplConnection c = connect();
        Screen s = started(c);
        s.send(c, "\u0001", "raw REPL; CTRL-B to exit\r\n>");
        // Thonny's way: the script in 255-byte blocks, then Ctrl-D.
        String script = "import os\nprint(os.getcwd())\n" + "x = 1\n".repeat(300) + "print(x + 1)\n";
        byte[] bytes = script.getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i < bytes.length; i += 255) {
            c.send(java.util.Arrays.copyOfRange(bytes, i, Math.min(bytes.length, i + 255))).get(WAIT_SECONDS, TimeUnit.SECONDS);
        }
        assertEquals("OK/\r\n2\r\n\u0004\u0004>", s.send(c, "\u0004", "\u0004>"));
    }

    @Test
    void ctrlDInTheRawReplSoftResetsBackIntoTheRawRepl() throws Exception {
        ReplConnection c = connect();
        Screen s = started(c);
        s.send(c, "\r\u0001", "raw REPL; CTRL-B to exit\r\n>");
        // pyboard.py/mpfshell: Ctrl-D, read until "soft reboot\r\n", then until the raw REPL banner.
        assertEquals("OK\r\nMPY: soft reboot\r\nraw REPL; CTRL-B to exit\r\n>",
                s.send(c, "\u0004", "raw REPL; CTRL-B to exit\r\n>"));
        assertEquals("OK3\r\n\u0004\u0004>", s.send(c, "print(1+2)\u0004", "\u0004>"));
    }

    @Test
    void ctrlCStopsRunningCodeAndTheReplGoesOn() throws Exception {
        ReplConnection c = connect();
        Screen s = started(c);
        int m = s.mark();
        // A loop that calls out: the WebAssembly port can be interrupted only there (runner.mjs).
        c.send("import time\rwhile True: time.sleep(0.01)\r\r".getBytes(StandardCharsets.US_ASCII))
                .get(WAIT_SECONDS, TimeUnit.SECONDS);
        s.await(m, "... \r\n");
        String stopped = s.send(c, "\u0003", "\r\n>>> ");
        assertTrue(stopped.endsWith("KeyboardInterrupt: \r\n>>> "), printable(stopped));
        assertEquals("1+1\r\n2\r\n>>> ", s.send(c, "1+1\r", "\r\n>>> "));
    }

    @Test
    void closingTheSessionLeavesNoProcess() throws Exception {
        ReplConnection c = connect();
        started(c);
        // The session's sandbox: bwrap (the pty's child) and what runs in it, MicroPython included.
        List<ProcessHandle> running = new java.util.ArrayList<>();
        ProcessHandle.current().descendants().filter(h -> h.info().command().orElse("").endsWith("/bwrap"))
                .forEach(h -> {
                    running.add(h);
                    h.descendants().forEach(running::add);
                });
        assertTrue(running.stream().map(h -> h.info().command().orElse(""))
                        .anyMatch(command -> command.endsWith("/micropython") || command.endsWith("/node")),
                running.stream().map(h -> h.pid() + " " + h.info().command().orElse("?")).collect(Collectors.joining(", ")));
        c.close();
        for (ProcessHandle h : running) {
            h.onExit().get(WAIT_SECONDS, TimeUnit.SECONDS);
        }
        assertFalse(running.stream().anyMatch(ProcessHandle::isAlive));
    }

    @Test
    void aReplEndedByCtrlCIsRestartedInTheSession() throws Exception {
        // Runs without MicroPython: a stand-in that dies of SIGINT, as the unix port can between running
        // code and reading its next line (its -c root script included, when Thonny's Ctrl-C comes at connect).
        Path python = Path.of("/usr/bin/python3");
        Assumptions.assumeTrue(Files.isExecutable(python), "needs /usr/bin/python3 for the stand-in");
        Path standIn = Files.writeString(root.resolveSibling(root.getFileName() + "-standin"),
                "#!" + python + "\nimport signal, sys, time\nsignal.signal(signal.SIGINT, signal.SIG_DFL)\n"
                        + "sys.stdout.write('ready\\r\\n'); sys.stdout.flush()\ntime.sleep(600)\n");
        Files.setPosixFilePermissions(standIn, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        server = CapturedCli.parseServe(out, "--port", "0", "--admin-port", "0", "--root", root.toString(),
                "--password", "pw", "--engine", "micropython", "--micropython", standIn.toString(),
                "--micropython-sandbox", "none", "--linger", "0s").start();
        client = WebReplClient.newClient();
        ReplConnection c = client.connect("127.0.0.1", server.server().port(), "pw").get(WAIT_SECONDS, TimeUnit.SECONDS);
        Screen s = new Screen(c);
        s.await(0, "ready\r\n");
        assertEquals("MPY: soft reboot\r\nready\r\n", s.send(c, "\u0003", "ready\r\n"));
        assertTrue(c.isOpen());
    }

    @Test
    void aMissingMicroPythonIsAOneLineStartupError() {
        Path missing = root.resolve("no-micropython");
        StringWriter err = new StringWriter();
        assertEquals(2, CapturedCli.webrepl(out, err).execute("serve", "--port", "0", "--admin-port", "0",
                "--root", root.toString(), "--password", "pw", "--engine", "micropython", "--micropython", missing.toString()));
        assertTrue(err.toString().startsWith("--micropython " + missing + " is not an executable file\n"), err.toString());
        assertFalse(err.toString().contains("Exception"), err.toString());
        StringWriter err2 = new StringWriter();
        assertEquals(2, CapturedCli.webrepl(out, err2).execute("serve", "--port", "0", "--admin-port", "0",
                "--root", root.toString(), "--password", "pw", "--engine", "micropython", "--micropython-runtime", "wasm",
                "--micropython-sandbox", "none", "--micropython-wasm", root.toString()));
        String firstLine = err2.toString().lines().findFirst().orElse("");
        assertTrue(firstLine.startsWith("--micropython-runtime wasm needs Node.js (Debian: nodejs) and the npm package "
                + WasmRunner.PACKAGE), err2.toString());
    }

    @Test
    void aBinaryThatDoesNotRunTheRootScriptInTheSandboxIsRefusedAtStart() {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/bwrap")) && Files.isExecutable(Path.of("/bin/true")),
                "needs /usr/bin/bwrap and /bin/true");
        StringWriter err = new StringWriter();
        assertEquals(2, CapturedCli.webrepl(out, err).execute("serve", "--port", "0", "--admin-port", "0",
                "--root", root.toString(), "--password", "pw", "--engine", "micropython", "--micropython", "/bin/true"));
        assertTrue(err.toString().startsWith("MicroPython (micropython /bin/true, bubblewrap sandbox) does not start: "
                + "status 0: no output\n"), err.toString());
    }

    @Test
    void aReplThatEndsBeforeAnyInputEndsTheSessionWithTheReason() throws Exception {
        // Runs without MicroPython: /bin/false stands for a binary that cannot start; no restart loop.
        server = CapturedCli.parseServe(out, "--port", "0", "--admin-port", "0", "--root", root.toString(),
                "--password", "pw", "--engine", "micropython", "--micropython", "/bin/false",
                "--micropython-sandbox", "none").start();
        client = WebReplClient.newClient();
        ReplConnection c = client.connect("127.0.0.1", server.server().port(), "pw").get(WAIT_SECONDS, TimeUnit.SECONDS);
        c.onClose().get(WAIT_SECONDS, TimeUnit.SECONDS);
        ServerClose close = c.serverClose().orElseThrow();
        assertEquals(1011, close.code());
        assertEquals("engine failed: MicroPython exited with status 1 before any input; not restarted", close.reason());
    }
}
