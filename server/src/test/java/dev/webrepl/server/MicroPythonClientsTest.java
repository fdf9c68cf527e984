package dev.webrepl.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.webrepl.testkit.clients.MpfshellClient;
import dev.webrepl.testkit.clients.ThonnyClient;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Thonny and mpfshell ({@link ThonnyClient}, {@link MpfshellClient}; issue #16 "Tests") against
 * {@code webrepl serve --engine micropython}, started with the flags a user types: a real MicroPython REPL
 * that behaves like a board (its {@code /} is the file root, raw REPL entry is byte-exact, a soft reset
 * keeps the connection).
 *
 * <p>MicroPython runs as {@link MicroPythonEngineTest#runtime()} chooses: the unix port if there is one
 * ({@code -Dwebrepl.micropython=PATH}, {@code $WEBREPL_MICROPYTHON} or on PATH), else the WebAssembly port;
 * {@code -Dwebrepl.micropythonRuntime=unix|wasm} chooses. Where that engine cannot start (a build without
 * it, no MicroPython to run), the tests are skipped, unless the environment has
 * {@value #REQUIRE_ENV}{@code =1} (CI), which fails them instead. By hand,
 * {@code -D}{@value #ENGINE_PROPERTY}{@code ="--engine process --command /path/to/micropython"} runs them
 * against other engine flags.
 *
 * <p>Seen by hand on 2026-12-06 with MicroPython's unix binary behind {@code --engine process}: Thonny's
 * raw-mode run passes; the pty's {@code \r\r\n} fails mpfshell's raw REPL entry and Thonny's paste-mode
 * echo; {@code os.getcwd()} is the host path of the root; Ctrl-D ends the session. Two more that no pty
 * setting fixes, which the micropython engine does: the unix port turns input LF into CR (so a paste-mode
 * {@code \n} echoes as {@code \r\n=== }, which Thonny does not expect of a board), and neither its
 * standard variant nor the WebAssembly port has {@code os.uname}, which mpfshell's setup calls.
 */
@Timeout(value = 180, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class MicroPythonClientsTest {
    static final String REQUIRE_ENV = "WEBREPL_REQUIRE_MICROPYTHON";
    static final String ENGINE_PROPERTY = "webrepl.micropython.serve";
    private static final String PASSWORD = "pw";
    /**
     * Thonny's WebREPL settings with a short pause between blocks (0.5 s in Thonny), one Ctrl-C at once, and
     * 200 ms rather than 10 ms of quiet for a prompt to count as the last one, for a loaded machine.
     */
    private static final ThonnyClient.Settings THONNY = ThonnyClient.Settings.WEBREPL
            .withWriteBlockDelay(Duration.ofMillis(20)).withInterruptTimes(List.of(Duration.ZERO))
            .withPromptQuiet(Duration.ofMillis(200));
    /** mpfshell's, with 10 s rather than 0.5 s for the {@code OK} after a command. */
    private static final MpfshellClient.Settings MPFSHELL =
            MpfshellClient.Settings.MPFSHELL.withOk(Duration.ofSeconds(10));

    @TempDir
    Path dir;
    private Path root;
    private MonitoredServer server;
    private final List<AutoCloseable> clients = new ArrayList<>();

    @BeforeEach
    void serve() throws IOException {
        root = Files.createDirectories(dir.resolve("root"));
        List<String> args = new ArrayList<>(List.of("--port", "0", "--no-admin", "--root", root.toString(),
                "--password", PASSWORD));
        String given = System.getProperty(ENGINE_PROPERTY);
        List<String> engine = new ArrayList<>(List.of("--engine", "micropython"));
        if (given != null) {
            engine = Arrays.asList(given.split(" ", 4));
        } else {
            engine.addAll(MicroPythonEngineTest.runtime());
        }
        args.addAll(engine);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        try {
            server = CapturedCli.parseServe(out, err, args.toArray(String[]::new)).start();
        } catch (RuntimeException | IOException e) {
            String message = "no MicroPython engine here: serve " + String.join(" ", engine) + " failed: "
                    + e.getMessage()
                    + (err.toString().isBlank() ? "" : "; " + err.toString().strip());
            if ("1".equals(System.getenv(REQUIRE_ENV))) {
                Assertions.fail(message + " (" + REQUIRE_ENV + "=1 requires it)", e);
            }
            Assumptions.abort(message);
        }
    }

    @AfterEach
    void stop() throws Exception {
        try {
            for (AutoCloseable c : clients) {
                c.close();
            }
        } finally {
            if (server != null) {
                server.close();
            }
        }
    }

    private ThonnyClient thonny() throws Exception {
        ThonnyClient t = ThonnyClient.connect("127.0.0.1", server.server().port(), PASSWORD, THONNY);
        clients.add(t);
        return t;
    }

    private MpfshellClient mpfshell() throws Exception {
        MpfshellClient m = MpfshellClient.connect("127.0.0.1", server.server().port(), PASSWORD, MPFSHELL);
        clients.add(m);
        return m;
    }

    /** A board prints {@code \r\n}, the unix port {@code \n}: either is one line end. */
    private static String lines(String s) {
        return s.replace("\r\n", "\n");
    }

    /** A script of several blocks that prints {@code total 780}. */
    private static String script() {
        StringBuilder script = new StringBuilder("total = 0\n");
        for (int i = 0; i < 40; i++) {
            script.append("total += ").append(i).append("  # a line that makes the script several blocks long\n");
        }
        script.append("print('total', total)\n");
        assertTrue(script.length() > 3 * THONNY.writeBlockSize(), "at least four blocks");
        return script.toString();
    }

    /** The last line of a traceback, without its line end. */
    private static String lastLine(String s) {
        String t = lines(s);
        if (!t.endsWith("\n")) {
            return "(no line end) " + t;
        }
        t = t.substring(0, t.length() - 1);
        return t.substring(t.lastIndexOf('\n') + 1);
    }

    @Test
    void thonnyInterruptsAtOnceAndRunsAScriptSentInBlocksInTheRawRepl() throws Exception {
        ThonnyClient thonny = thonny();
        assertTrue(thonny.welcome().contains("MicroPython"), thonny.welcome());

        ThonnyClient.Output o = thonny.exec(script());
        assertEquals("total 780\n", lines(o.out()));
        assertEquals("", o.err());

        ThonnyClient.Output failed = thonny.exec("1/0");
        assertEquals("", failed.out());
        assertEquals("ZeroDivisionError: divide by zero", lastLine(failed.err()));
    }

    @Test
    void thonnyRunsCodeInPasteModeAsItDoesOverWebRepl() throws Exception {
        ThonnyClient thonny = thonny();
        ThonnyClient.Output o = thonny.execPaste(script());
        assertEquals("total 780\n", lines(o.out()));
        assertEquals("", o.err());
        ThonnyClient.Output failed = thonny.execPaste("1/0\n");
        assertEquals("ZeroDivisionError: divide by zero", lastLine(failed.err()));
    }

    @Test
    void thonnyPutsAndGetsAFileAtAPathBuiltFromGetcwd() throws Exception {
        ThonnyClient thonny = thonny();
        assertEquals("/", thonny.cwd(), "the REPL's current directory is the file root, as on a board");
        byte[] data = new byte[3000];                      // three PUT messages of at most 1024 bytes
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) (i * 7 + i / 256);
        }
        assertEquals("/café.txt", thonny.put("café.txt", data));
        assertArrayEquals(data, Files.readAllBytes(root.resolve("café.txt")));
        assertEquals(data.length, thonny.fileSize("/café.txt"), "os.stat on the device sees the uploaded file");
        assertArrayEquals(data, thonny.get("café.txt"));
    }

    @Test
    void mpfshellEntersTheRawReplListsChangesDirectoryAndMovesFiles() throws Exception {
        Files.writeString(root.resolve("hello.txt"), "hello from the root\n");
        Files.createDirectories(root.resolve("lib"));
        MpfshellClient m = mpfshell();
        assertEquals("/", m.dir());
        assertEquals(List.of(new MpfshellClient.Entry("hello.txt", false), new MpfshellClient.Entry("lib", true)),
                m.ls());

        m.cd("lib");
        assertEquals("/lib", m.dir());
        assertEquals(List.of(), m.ls());
        m.cd("/");

        assertEquals("hello from the root\n", new String(m.get("hello.txt"), java.nio.charset.StandardCharsets.UTF_8));
        byte[] data = new byte[200];                       // four 64-byte pieces
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) (255 - i);
        }
        m.put("new.bin", data);
        assertArrayEquals(data, Files.readAllBytes(root.resolve("new.bin")));
    }

    @Test
    void aSoftResetRestartsTheReplAndKeepsTheConnection() throws Exception {
        ThonnyClient thonny = thonny();
        thonny.exec("survivor = 42");
        assertEquals("42", thonny.evaluate("survivor"));

        String reboot = thonny.softReboot();
        assertTrue(reboot.contains("soft reboot"), reboot);

        ThonnyClient.Output gone = thonny.exec("print(survivor)");
        assertEquals("", gone.out(), "the soft reset forgot survivor");
        assertEquals("NameError: name 'survivor' isn't defined", lastLine(gone.err()));
        assertEquals("2", thonny.evaluate("1+1"));
    }
}
