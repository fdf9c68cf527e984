package dev.webrepl.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code webrepl serve} as a child process, stopped with SIGTERM (issue #9): the first signal
 * tells every terminal, ends sessions and their processes and exits 0; a second signal during the
 * shutdown exits at once with 143 (README "Faults and shutdown").
 */
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ServeSignalsTest {
    private static final Pattern SERVING = Pattern.compile("webrepl serving http://127\\.0\\.0\\.1:(\\d+)/.*");
    @TempDir
    Path dir;
    private Process server;
    private BufferedReader output;
    private final List<String> lines = new ArrayList<>();
    private final List<ProcessHandle> children = new ArrayList<>();
    private final List<StalledTerminal> terminals = new ArrayList<>();

    /** Starts {@code webrepl serve} with the process engine running {@code command}; returns its port. */
    private int serve(String command, String shutdownTimeout) throws IOException {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/bin/sh")), "needs /bin/sh");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(java, "-Xmx128m", "-cp", System.getProperty("java.class.path"),
                WebReplMain.class.getName(), "serve", "--port", "0", "--no-admin", "--password", "pw",
                "--root", Files.createDirectories(dir.resolve("root")).toString(), "--engine", "process",
                "--command", command, "--shutdown-timeout", shutdownTimeout)
                .redirectErrorStream(true);
        server = pb.start();
        output = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
        Matcher m = SERVING.matcher(lineContaining("webrepl serving"));
        assertTrue(m.matches(), String.join("\n", lines));
        return Integer.parseInt(m.group(1));
    }

    /** Reads the server's output up to a line containing {@code text}; fails at the end of the output. */
    private String lineContaining(String text) throws IOException {
        String line;
        while ((line = output.readLine()) != null) {
            lines.add(line);
            if (line.contains(text)) {
                return line;
            }
        }
        throw new AssertionError("no line with '" + text + "' in:\n" + String.join("\n", lines));
    }

    /** Logs in {@code n} terminals, each a session with its own process; waits for the processes. */
    private void sessions(int port, int n) throws Exception {
        for (int i = 0; i < n; i++) {
            terminals.add(StalledTerminal.login(port, "pw"));
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (server.descendants().count() < n) {
            assertTrue(System.nanoTime() < deadline, "the session processes never started");
            Thread.sleep(10);  // polling the process table: there is no signal to await
        }
        server.descendants().forEach(children::add);
    }

    @AfterEach
    void cleanUp() throws IOException {
        for (StalledTerminal t : terminals) {
            t.close();
        }
        if (server != null) {
            server.descendants().forEach(ProcessHandle::destroyForcibly);
            server.destroyForcibly();
        }
        for (ProcessHandle h : children) {
            h.destroyForcibly();
        }
        if (output != null) {
            output.close();
        }
    }

    @Test
    void sigtermTellsEveryTerminalEndsTheProcessesAndExitsZero() throws Exception {
        int port = serve("/bin/sh", "10s");
        sessions(port, 2);

        server.toHandle().destroy();  // SIGTERM (Process.destroy() would also close our end of its output)

        for (StalledTerminal t : terminals) {
            StalledTerminal.Ending end = t.readToClose();
            assertTrue(end.text().endsWith("\r\nsession ended: server shutting down\r\n"), end.text());
            assertEquals(1001, end.code());
        }
        // The shutdown timeout plus a margin: a bound on the test, not a measured expectation.
        assertTrue(server.waitFor(40, TimeUnit.SECONDS), "the server did not exit");
        assertEquals(0, server.exitValue(), String.join("\n", lines));
        for (ProcessHandle h : children) {
            h.onExit().get(20, TimeUnit.SECONDS);
            assertTrue(!h.isAlive(), "session process " + h.pid() + " still runs");
        }
        lineContaining("SIGTERM: shutting down");
    }

    @Test
    void secondSigtermDuringTheShutdownExitsAtOnceWith143() throws Exception {
        // A child that ignores the hang-up and SIGTERM: the graceful shutdown waits for the engine's
        // kill grace before its SIGKILL, and the second signal arrives during that wait.
        Path stubborn = Files.writeString(dir.resolve("stubborn.sh"),
                "#!/bin/sh\ntrap '' HUP TERM INT\nwhile :; do sleep 1; done\n");
        Files.setPosixFilePermissions(stubborn, PosixFilePermissions.fromString("rwx------"));
        int port = serve(stubborn.toString(), "10m");
        sessions(port, 1);

        server.toHandle().destroy();
        lineContaining("SIGTERM: shutting down");
        server.toHandle().destroy();

        assertTrue(server.waitFor(40, TimeUnit.SECONDS), "the server did not exit");
        assertEquals(143, server.exitValue(), String.join("\n", lines));
        lineContaining("second signal (SIGTERM): exiting at once");
    }
}
