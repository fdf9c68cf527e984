package dev.webrepl.server;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.webrepl.engines.sandbox.Sandbox;
import dev.webrepl.transport.client.ReplConnection;
import dev.webrepl.transport.client.WebReplClient;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sandbox's limits on a server that cannot make cgroups (README "Sandbox and limits", issue 18):
 * {@code webrepl serve} run as an ordinary user (uid 65534 through {@code setpriv} when the tests run
 * as root), for whom the machine's cgroup hierarchies are not writable. The start line says the
 * limits are rlimits and why; memory is then address space per process (an allocation fails, the
 * session goes on), processes RLIMIT_NPROC in the sandbox's user namespace (a fork bomb is held).
 */
class ServeSandboxRlimitsTest {
    private static final int NOBODY = 65534;
    /** dash's prompt for a user who is not root (the sandbox's user is the server's). */
    private static final String PROMPT = "$ ";
    private static final long SECONDS = 30;
    private static final Pattern SERVING = Pattern.compile("webrepl serving http://127\\.0\\.0\\.1:(\\d+)/.*");
    /** The start line on a machine without writable cgroups; group 1 is why there are none (machine-specific). */
    private static final Pattern RLIMITS = Pattern.compile("sandbox: bubblewrap \\S+ \\(own mount, PID, IPC and network "
            + "namespaces, user namespace, no capabilities\\); limits by rlimits \\((.+)\\): memory 64 MiB of address "
            + "space per process, cpu 1 not enforced \\(needs cgroups\\), processes 32 \\(RLIMIT_NPROC in the "
            + "sandbox's user namespace\\); open files 256 by rlimit");

    @TempDir
    static Path shared;
    /** The test's class path, readable by that user: copied once. */
    private static String classPath;
    @TempDir
    Path dir;
    private Process server;
    private final List<String> lines = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        if (server != null) {
            server.destroy();
            if (!server.waitFor(SECONDS, TimeUnit.SECONDS)) {
                server.destroyForcibly();
            }
        }
    }

    /** Starts the server as an ordinary user with a 64 MiB memory and a 32-process limit; returns its port. */
    private int serve() throws Exception {
        assumeTrue(Sandbox.findBwrap(System.getenv()).isPresent() || "1".equals(System.getenv("WEBREPL_REQUIRE_SANDBOX")),
                "no bwrap");
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/prlimit")), "needs prlimit (util-linux)");
        boolean root = ((Number) Files.getAttribute(Path.of("/proc/self"), "unix:uid")).intValue() == 0;
        assumeTrue(!root || Files.isExecutable(Path.of("/usr/bin/setpriv")), "needs setpriv (util-linux) to drop root");
        // Everything the server reads must be readable by that user: the test's class path is copied here.
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        if (classPath == null) {
            Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxr-xr-x"));
            classPath = readableCopy(System.getProperty("java.class.path"), Files.createDirectory(shared.resolve("cp")));
        }
        Path files = Files.createDirectory(dir.resolve("files"));
        List<String> command = new ArrayList<>();
        if (root) {
            Files.setAttribute(files, "unix:uid", NOBODY);
            Files.setAttribute(files, "unix:gid", NOBODY);
            command.addAll(List.of("/usr/bin/setpriv", "--reuid=" + NOBODY, "--regid=" + NOBODY, "--clear-groups", "--"));
        }
        command.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx128m",
                "-XX:-UsePerfData", "-cp", classPath, WebReplMain.class.getName(), "serve", "--port", "0", "--no-admin",
                "--password", "pw", "--root", files.toString(), "--engine", "process", "--command", "/bin/sh",
                "--sandbox", "bwrap", "--limit-memory", "64m", "--limit-processes", "32", "--limit-cpu", "1",
                "--limit-files", "256", "--shutdown-timeout", "1s"));
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true);
        pb.environment().put("HOME", dir.toString());
        server = pb.start();
        BufferedReader output = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
        // The start lines: where it serves, then (among others) how it confines.
        int port = -1;
        String line;
        while ((line = output.readLine()) != null) {
            lines.add(line);
            Matcher m = SERVING.matcher(line);
            if (m.matches()) {
                port = Integer.parseInt(m.group(1));
            }
            if (line.startsWith("sandbox: ")) {
                if (port < 0) {
                    break;
                }
                return port;
            }
        }
        throw new AssertionError("no serving line and then a sandbox line:\n" + String.join("\n", lines));
    }

    /** {@code classPath}'s directories and jars copied under {@code to}, readable by all; the copy's class path. */
    private static String readableCopy(String classPath, Path to) throws IOException {
        List<String> entries = new ArrayList<>();
        int i = 0;
        for (String e : classPath.split(java.io.File.pathSeparator)) {
            Path from = Path.of(e);
            if (!Files.exists(from)) {
                continue;
            }
            Path copy = to.resolve(i++ + (Files.isDirectory(from) ? "" : ".jar"));
            try (Stream<Path> tree = Files.walk(from)) {
                for (Path p : (Iterable<Path>) tree::iterator) {
                    Path target = copy.resolve(from.relativize(p).toString());
                    if (Files.isDirectory(p)) {
                        Files.createDirectories(target);
                        Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rwxr-xr-x"));
                    } else {
                        Files.copy(p, Files.isDirectory(from) ? target : copy);
                        Files.setPosixFilePermissions(Files.isDirectory(from) ? target : copy,
                                PosixFilePermissions.fromString("rw-r--r--"));
                    }
                }
            }
            entries.add(copy.toString());
        }
        return String.join(java.io.File.pathSeparator, entries);
    }

    private String startLine() {
        return lines.stream().filter(l -> l.startsWith("sandbox: ")).findFirst()
                .orElseThrow(() -> new AssertionError("no sandbox line in:\n" + String.join("\n", lines)));
    }

    @Test
    void theStartLineSaysTheLimitsAreRlimitsAndWhyAndAnAllocationPastTheMemoryLimitFailsWhileTheSessionGoesOn()
            throws Exception {
        int port = serve();
        Matcher m = RLIMITS.matcher(startLine());
        assertTrue(m.matches(), startLine());
        assertTrue(m.group(1).contains("not writable") || m.group(1).contains("no cgroup"), m.group(1));

        try (WebReplClient client = WebReplClient.newClient();
             ReplConnection sh = client.connect("127.0.0.1", port, "pw").get(SECONDS, TimeUnit.SECONDS)) {
            ServeSandboxTest.Screen screen = new ServeSandboxTest.Screen(sh);
            // Each line typed at a prompt: typed ahead, the tty would echo it before the shell's prompt.
            screen.await(PROMPT);
            sh.send("ulimit -v; ulimit -n\r");
            screen.await("\r\n65536\r\n256\r\n" + PROMPT);
            sh.send("awk 'BEGIN { s = \"x\"; while (1) s = s s }'; echo status $?\r");
            screen.await("out of memory");
            screen.await("status 2\r\n" + PROMPT);
            sh.send("echo $((6*7))\r");
            screen.await("\r\n42\r\n" + PROMPT);
            assertTrue(sh.isOpen());
        }
    }

    @Test
    void aForkBombIsHeldByTheProcessRlimitAndAnotherSessionStillRuns() throws Exception {
        int port = serve();
        assertTrue(RLIMITS.matcher(startLine()).matches(), startLine());
        try (WebReplClient client = WebReplClient.newClient();
             ReplConnection bomb = client.connect("127.0.0.1", port, "pw").get(SECONDS, TimeUnit.SECONDS)) {
            ServeSandboxTest.Screen bombScreen = new ServeSandboxTest.Screen(bomb);
            bombScreen.await(PROMPT);
            bomb.send("b() { b | b & }; b\r");
            bombScreen.await("Cannot fork");
            // The kernel holds the sandbox's user at 32 processes at every moment; around them the server's
            // side has the sandbox's launcher (sh, exec'd into bwrap) and bwrap's own process outside the namespace.
            long processes = server.descendants().count();
            assertTrue(processes <= 32 + 2, processes + " processes under the server");

            try (ReplConnection other = client.connect("127.0.0.1", port, "pw").get(SECONDS, TimeUnit.SECONDS)) {
                ServeSandboxTest.Screen otherScreen = new ServeSandboxTest.Screen(other);
                otherScreen.await(PROMPT);
                other.send("echo $((6*7))\r");
                otherScreen.await("\r\n42\r\n");
            }
        }
    }
}
