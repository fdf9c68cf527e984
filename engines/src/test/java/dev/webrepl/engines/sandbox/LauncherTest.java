package dev.webrepl.engines.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@link Launcher}: a child that asked to die with its parent (as bubblewrap's {@code
 * --die-with-parent} does, here {@code setpriv --pdeathsig KILL}) lives on after the thread that
 * asked for it has ended, and the launcher's thread is there only while such a child is.
 */
class LauncherTest {
    private static final String SETPRIV = "/usr/bin/setpriv";

    private static Process cat() throws IOException {
        return new ProcessBuilder(SETPRIV, "--pdeathsig", "KILL", "--", "/bin/cat").start();
    }

    /** A line through {@code cat}: what comes back, or null at its end. */
    private static String roundTrip(Process cat) throws IOException {
        try {
            cat.getOutputStream().write("ping\n".getBytes(StandardCharsets.US_ASCII));
            cat.getOutputStream().flush();
        } catch (IOException e) {
            return null; // the pipe is closed: cat is gone
        }
        return new java.io.BufferedReader(new java.io.InputStreamReader(cat.getInputStream(), StandardCharsets.US_ASCII))
                .readLine();
    }

    @Test
    void aChildStartedOnAThreadThatEndsIsKilledByTheKernel() throws Exception {
        // Why the launcher exists: PR_SET_PDEATHSIG is the starting thread's, not the process's.
        assumeTrue(Files.isExecutable(Path.of(SETPRIV)), "needs setpriv (util-linux)");
        Process cat = EndedThread.run(LauncherTest::cat);
        try {
            assertEquals(null, roundTrip(cat));
            assertTrue(cat.waitFor(30, TimeUnit.SECONDS));
            assertEquals(128 + 9, cat.exitValue());
        } finally {
            cat.destroyForcibly();
        }
    }

    @Test
    void aChildStartedThroughTheLauncherOutlivesTheThreadThatAskedAndItsThreadEndsWithIt() throws Exception {
        assumeTrue(Files.isExecutable(Path.of(SETPRIV)), "needs setpriv (util-linux)");
        Launcher launcher = new Launcher("webrepl-launcher-test");
        assertFalse(launcher.running());
        Process cat = EndedThread.run(() -> launcher.launch(LauncherTest::cat, Process::onExit));
        try {
            assertEquals("ping", roundTrip(cat));
            assertTrue(launcher.running(), "the thread that started it waits while it lives");
        } finally {
            cat.getOutputStream().close();
        }
        assertEquals(0, cat.waitFor());
        cat.onExit().get();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (launcher.running()) {
            assertTrue(System.nanoTime() < deadline, "the launcher's thread did not end with its last child");
            Thread.sleep(1); // the launcher says when its thread has gone only by this flag
        }
    }

    @Test
    void aStartThatFailsIsThrownToTheCallerAndHoldsNoThread() throws Exception {
        Launcher launcher = new Launcher("webrepl-launcher-test");
        IOException e = assertThrows(IOException.class, () -> launcher.launch(
                () -> new ProcessBuilder("/nonexistent/program").start(), Process::onExit));
        assertTrue(e.getMessage().contains("/nonexistent/program"), e.getMessage());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (launcher.running()) {
            assertTrue(System.nanoTime() < deadline, "the launcher's thread did not end");
            Thread.sleep(1);
        }
    }
}
