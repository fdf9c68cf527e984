package dev.webrepl.engines.process;

import static dev.webrepl.engines.process.FakeContext.TIMEOUT;
import static dev.webrepl.engines.process.FakeContext.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.webrepl.engines.sandbox.Sandbox;
import dev.webrepl.engines.sandbox.SandboxLimits;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The process engine in the bubblewrap sandbox (issue 18, README "Sandbox and limits"): what a
 * session's shell can see and write, and its limits. Skipped without {@code bwrap}, failed then when
 * {@code WEBREPL_REQUIRE_SANDBOX=1} (as {@code .ci/run} sets).
 */
public class SandboxedProcessEngineTest {
    static final String REQUIRE_ENV = "WEBREPL_REQUIRE_SANDBOX";
    private static final String PROMPT = "prompt$ ";

    @TempDir
    Path base;

    private Path root;
    private Sandbox sandbox;
    private final List<ProcessEngine> engines = new ArrayList<>();

    @BeforeEach
    void files() throws Exception {
        root = Files.createDirectory(base.resolve("files"));
        Files.writeString(base.resolve("secret.txt"), "the server's secret\n");
    }

    @AfterEach
    void close() {
        engines.forEach(ProcessEngine::close);
        if (sandbox != null) {
            sandbox.close();
        }
    }

    /** bwrap, or the test is skipped (failed with {@code WEBREPL_REQUIRE_SANDBOX=1}). */
    public static Path requireBwrap() {
        Optional<Path> bwrap = Sandbox.findBwrap(System.getenv());
        if (bwrap.isEmpty()) {
            if ("1".equals(System.getenv(REQUIRE_ENV))) {
                fail(REQUIRE_ENV + "=1 but no bwrap (Debian: bubblewrap)");
            }
            assumeTrue(false, "sandbox tests skipped: no bwrap");
        }
        return bwrap.get();
    }

    private Sandbox sandbox(SandboxLimits limits) throws Exception {
        sandbox = Sandbox.bubblewrap(requireBwrap(), false, limits);
        Optional<String> problem = sandbox.probe(root);
        assertEquals(Optional.empty(), problem);
        return sandbox;
    }

    private FakeContext shell(Sandbox s) throws Exception {
        FakeContext context = new FakeContext();
        context.workingDirectory = root;
        ProcessEngine engine = new ProcessEngine(new ProcessEngineConfig(List.of("/bin/sh"),
                Map.of("PATH", "/usr/bin:/bin", "PS1", PROMPT),
                base /* the config's directory: not where a sandboxed session runs */, 80, 24, Duration.ofSeconds(1)),
                ProcessEngine.Readiness.TERMINAL_TAKEN, s);
        engines.add(engine);
        engine.start(context);
        context.awaitOutput(PROMPT);
        return context;
    }

    /** Types {@code line}, waits for the next prompt and gives what the command wrote (without the echo). */
    private static String run(FakeContext context, String line) {
        int prompts = context.count(PROMPT);
        int from = context.text().length();
        context.type(line + "\r");
        await(() -> context.count(PROMPT) > prompts, () -> "a prompt after " + FakeContext.show(line)
                + ", got " + FakeContext.show(context.text()));
        String out = context.text().substring(from);
        String echo = line + "\r\n";
        assertTrue(out.startsWith(echo), () -> "echo of " + line + " in " + FakeContext.show(out));
        return out.substring(echo.length(), out.lastIndexOf(PROMPT));
    }

    @Test
    void theShellWorksInItsRootAsHomeAndSeesNothingOfTheServers() throws Exception {
        FakeContext sh = shell(sandbox(SandboxLimits.NONE));

        assertEquals("/home/webrepl /home/webrepl\r\n", run(sh, "echo $(pwd) $(cd; pwd)"));
        assertEquals("", run(sh, "echo made > made.txt"));
        assertEquals("made\n", Files.readString(root.resolve("made.txt")));
        assertEquals("cat: ../secret.txt: No such file or directory\r\n", run(sh, "cat ../secret.txt"));
        String secret = base.resolve("secret.txt").toString();
        assertEquals("cat: " + secret + ": No such file or directory\r\n", run(sh, "cat " + secret));
        String serverDir = Path.of("pom.xml").toAbsolutePath().toString();
        assertEquals("cat: " + serverDir + ": No such file or directory\r\n", run(sh, "cat " + serverDir));
        assertEquals("cat: /etc/shadow: No such file or directory\r\n", run(sh, "cat /etc/shadow"));
        // Only the session's environment, and the generated passwd.
        assertEquals("HOME LOGNAME PATH PS1 PWD TERM USER \r\n", run(sh, "env | cut -d= -f1 | sort | tr '\\n' ' '; echo"));
        assertEquals("webrepl\r\n", run(sh, "grep :" + uid() + ": /etc/passwd | cut -d: -f1"));
    }

    @Test
    void itSaysItIsReadyAndCtrlCStopsTheRunningCommand() throws Exception {
        FakeContext sh = shell(sandbox(SandboxLimits.NONE));
        assertEquals("ready", sh.readyNote.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS));

        int prompts = sh.count(PROMPT);
        sh.type("sleep 600\r");
        ProcessEngine engine = engines.get(0);
        await(() -> ProcessHandle.of(engine.pid()).stream().flatMap(ProcessHandle::descendants)
                .anyMatch(h -> h.info().command().map(c -> c.endsWith("/sleep")).orElse(false)), () -> "sleep running");
        engine.interrupt();
        // Only SIGINT through the sandbox brings the prompt back before 600 s.
        await(() -> sh.count(PROMPT) > prompts, () -> "a prompt after Ctrl-C, got " + FakeContext.show(sh.text()));
        // ... and the session lives on: bubblewrap's own processes, in the same foreground group, ignore
        // it (they died of it before, which ended the session a moment after the prompt).
        assertEquals("still here\r\n", run(sh, "echo still here"));
        assertFalse(sh.exited.isDone(), "the session ended");
        // The shell (interactive) ignores them itself; what it runs has INT and QUIT (0x6) as default
        // again (TSTP is the shell's to set for its children: dash without job control ignores it).
        assertEquals("0\r\n", run(sh, "echo $(( 0x$(awk '/SigIgn/ {print $2}' /proc/self/status) & 0x6 ))"));
    }

    @Test
    void aSessionStartedOnAThreadThatThenEndsLivesOn() throws Exception {
        // Sessions start on pool threads that retire (Reactor's after 60 s idle), and bwrap's --die-with-parent
        // is the starting thread's: before the launcher the session ended then with "engine exited with status 137".
        Sandbox s = sandbox(SandboxLimits.NONE);
        FakeContext sh = dev.webrepl.engines.sandbox.EndedThread.run(() -> shell(s));
        assertEquals("42\r\n", run(sh, "echo $((6*7))"));
        assertFalse(sh.exited.isDone(), "the session ended");
    }

    @Test
    void aSandboxedProgramGetsTheLocaleAndTerminalOfTheServersEnvironmentOnly() {
        assertEquals(Map.of("LANG", "C.UTF-8", "LC_CTYPE", "C.UTF-8", "TERM", "xterm", "PATH", "/usr/local/bin:/usr/bin:/bin"),
                Sandbox.environment(Map.of("LANG", "C.UTF-8", "LC_CTYPE", "C.UTF-8", "TERM", "xterm", "PATH",
                        "/root/bin:/usr/bin", "WEBREPL_PASSWORD", "secret", "HOME", "/root", "JAVA_HOME", "/opt/jdk")));
    }

    @Test
    void theSystemIsReadOnlyAndTmpIsTheSandboxsOwn() throws Exception {
        FakeContext sh = shell(sandbox(SandboxLimits.NONE));
        String name = "webrepl-sandbox-test-" + ProcessHandle.current().pid() + "-" + System.nanoTime();

        assertEquals("touch: cannot touch '/usr/" + name + "': Read-only file system\r\n", run(sh, "touch /usr/" + name));
        assertEquals("in the sandbox\r\n", run(sh, "echo in the sandbox > /tmp/" + name + " && cat /tmp/" + name));
        assertFalse(Files.exists(Path.of("/tmp", name)));
        assertFalse(Files.exists(Path.of("/usr", name)));
    }

    @Test
    void ithasNoNetworkButLoopbackAndCannotReachTheHostsListeners() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/bin/bash")), "needs bash for /dev/tcp");
        FakeContext sh = shell(sandbox(SandboxLimits.NONE));
        try (ServerSocketChannel listener = ServerSocketChannel.open()) {
            listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            listener.configureBlocking(false);
            int port = ((InetSocketAddress) listener.getLocalAddress()).getPort();

            assertEquals("lo\r\n", run(sh, "tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '"));
            assertEquals("refused\r\n", run(sh, "bash -c 'echo > /dev/tcp/127.0.0.1/" + port + "' 2>/dev/null && echo connected || echo refused"));
            assertNull(listener.accept(), "nothing reached the host's listener");
        }
    }

    @Test
    void itSeesOnlyItsOwnProcesses() throws Exception {
        FakeContext sh = shell(sandbox(SandboxLimits.NONE));

        // bwrap's init as 1, the shell as 2; the glob is the shell's own, so nothing else runs meanwhile.
        assertEquals("/proc/1 /proc/2\r\n", run(sh, "echo /proc/[0-9]*"));
    }

    @Test
    void openFilesAreLimited() throws Exception {
        FakeContext sh = shell(sandbox(new SandboxLimits(0, 0, 0, 16)));

        assertEquals("16 16\r\n", run(sh, "echo $(ulimit -Sn) $(ulimit -Hn)"));
    }

    @Test
    void passingTheMemoryLimitEndsTheSessionWithTheReason() throws Exception {
        Sandbox s = sandbox(new SandboxLimits(32L << 20, 0, 0, 0));
        assumeTrue(s.cgroups(), "the memory limit ends a session only with cgroups: " + s.describe());
        FakeContext sh = shell(s);

        // awk's string doubles until the kernel kills it; the shell lives on, the session ends.
        sh.type("awk 'BEGIN { s = \"x\"; while (1) s = s s }'\r");

        assertEquals("memory limit 32 MiB reached", sh.limitReached.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS));
        assertFalse(sh.exited.isDone());
        assertFalse(sh.failed.isDone());
    }

    @Test
    void aForkBombIsHeldAtTheProcessLimitAndAnotherSessionStillRuns() throws Exception {
        Sandbox s = sandbox(new SandboxLimits(0, 0, 32, 0));
        assumeTrue(s.cgroups() || s.describe().contains("RLIMIT_NPROC in"), "no process limit here: " + s.describe());
        FakeContext bomb = shell(s);
        ProcessEngine bombEngine = engines.get(0);

        bomb.type("b() { b | b & }; b\r");
        bomb.awaitOutput("Cannot fork");
        long processes = ProcessHandle.of(bombEngine.pid()).map(h -> h.descendants().count() + 1).orElse(0L);
        assertTrue(processes <= 32, "at most 32 processes, saw " + processes);

        FakeContext other = shell(s);
        assertEquals("42\r\n", run(other, "echo $((6 * 7))"));

        List<ProcessHandle> left = ProcessHandle.of(bombEngine.pid()).map(h -> h.descendants().toList()).orElse(List.of());
        bombEngine.close();
        for (ProcessHandle h : left) {
            await(() -> !h.isAlive(), () -> "process " + h.pid() + " of the bomb gone");
        }
    }

    private static long uid() throws Exception {
        return ((Number) Files.getAttribute(Path.of("/proc/self"), "unix:uid")).longValue();
    }
}
