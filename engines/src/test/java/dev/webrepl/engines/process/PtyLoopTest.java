package dev.webrepl.engines.process;

import static dev.webrepl.engines.process.FakeContext.TIMEOUT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.webrepl.engines.sandbox.Sandbox;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Process engines sharing one {@link PtyLoop}: the server's way (issue #19). */
class PtyLoopTest {
    private static final String PATH = "/usr/local/bin:/usr/bin:/bin";

    @TempDir
    Path dir;

    private final List<ProcessEngine> engines = new ArrayList<>();
    private PtyLoop loop;

    @AfterEach
    void close() {
        engines.forEach(ProcessEngine::close);
        if (loop != null) {
            loop.close();
        }
    }

    private ProcessEngine start(FakeContext context, String... command) throws Exception {
        ProcessEngine engine = new ProcessEngine(new ProcessEngineConfig(List.of(command), Map.of("PATH", PATH), dir,
                80, 24, Duration.ofSeconds(2)), ProcessEngine.Readiness.TERMINAL_TAKEN, Sandbox.none(), loop);
        engines.add(engine);
        context.workingDirectory = dir;
        engine.start(context);
        return engine;
    }

    private static Set<String> liveThreads(String prefix) {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && t.getName().startsWith(prefix))
                .map(Thread::getName)
                .collect(Collectors.toSet());
    }

    @Test
    void twentySessionsEachGetTheirOwnEchoAndEndFromOneLoopThread() throws Exception {
        loop = new PtyLoop("shared-pty");
        List<FakeContext> contexts = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            FakeContext c = new FakeContext();
            contexts.add(c);
            start(c, "/bin/cat");
        }
        for (int i = 0; i < contexts.size(); i++) {
            contexts.get(i).type("line-" + i + "\r");
        }
        for (int i = 0; i < contexts.size(); i++) {
            contexts.get(i).awaitOutput("line-" + i + "\r\nline-" + i + "\r\n");
        }
        // The loop thread and at most its four task threads; no thread of a session's own.
        Set<String> threads = liveThreads("shared-pty");
        assertTrue(threads.contains("shared-pty"), "the loop thread runs: " + threads);
        assertTrue(threads.size() <= 5, "one loop thread plus at most four task threads: " + threads);
        assertEquals(Set.of(), liveThreads("webrepl-session-"));
        for (FakeContext c : contexts) {
            c.type((byte) 0x04);
        }
        for (int i = 0; i < contexts.size(); i++) {
            FakeContext c = contexts.get(i);
            assertEquals(0, c.exited.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS));
            assertEquals("line-" + i + "\r\nline-" + i + "\r\n", c.text(), "session " + i + " saw only its own bytes");
        }
        engines.forEach(ProcessEngine::close);
        loop.close();
        assertFalse(liveThreads("shared-pty").contains("shared-pty"), "closing the loop ends its thread");
    }

    @Test
    void everyByteWrittenJustBeforeTheChildExitsIsDelivered() throws Exception {
        loop = new PtyLoop("shared-pty");
        FakeContext c = new FakeContext();
        // 300,000 bytes of base64 without a newline, written by a pipeline that exits right after.
        start(c, "/bin/sh", "-c", "head -c 225000 /dev/zero | base64 -w0; exit 7");
        assertEquals(7, c.exited.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS));
        assertEquals(300_000, c.outputBytes());
        assertTrue(c.text().chars().allMatch(ch -> ch == 'A'), "only base64 of zeros");
    }

    @Test
    void aChildThatLeavesABackgroundJobHoldingTheTerminalStillEndsAtItsExit() throws Exception {
        // The job keeps the pty's slave open, so the master never reports EIO: the child's pidfd ends the session.
        loop = new PtyLoop("shared-pty");
        FakeContext c = new FakeContext();
        // Longer than the wait below: without the pidfd the end would come only when the job ends.
        start(c, "/bin/sh", "-c", "sleep 60 & echo $!; exit 5");
        try {
            assertEquals(5, c.exited.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS));
        } finally {
            c.awaitOutput("\r\n");
            ProcessHandle.of(Long.parseLong(c.text().trim())).ifPresent(ProcessHandle::destroyForcibly);
        }
    }

    @Test
    void theChildLeadsItsOwnSessionWithThePtyAsControllingTerminalAndNoneOfTheServersDescriptors() throws Exception {
        loop = new PtyLoop("shared-pty");
        FakeContext c = new FakeContext();
        // /dev/tty opens only for a process with a controlling terminal. What the program inherited is
        // listed by ls itself (/proc/self: 0-2 and the directory it reads, 3), not by looking at the
        // shell, which holds a pipe's ends for a moment while it starts the pipeline (a flaky fd 3).
        start(c, "/bin/sh", "-c", "ls /proc/self/fd | tr '\\n' ' '; echo; (exec </dev/tty) && echo has-tty;"
                + " [ $(ps -o sid= -p $$) = $$ ] && echo leads-session");
        assertEquals(0, c.exited.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS));
        assertEquals("0 1 2 3 \r\nhas-tty\r\nleads-session\r\n", c.text());
    }

    @Test
    void closingAnEngineFromTheLoopsOwnOutputDoesNotHoldUpTheOtherSessions() throws Exception {
        // A session may end its engine while taking output (a slow consumer dropped): on the loop thread.
        loop = new PtyLoop("shared-pty");
        FakeContext first = new FakeContext();
        // It ignores SIGHUP and SIGTERM: its close waits out the 60 s grace, off the loop.
        ProcessEngine stubborn = new ProcessEngine(new ProcessEngineConfig(
                List.of("/bin/sh", "-c", "trap '' HUP TERM; read line; echo bye; exec sleep 60"), Map.of("PATH", PATH), dir, 80, 24,
                Duration.ofSeconds(60)), ProcessEngine.Readiness.TERMINAL_TAKEN, Sandbox.none(), loop);
        engines.add(stubborn);
        first.workingDirectory = dir;
        first.onOutput = () -> {
            if (first.text().contains("bye")) {
                stubborn.close();
            }
        };
        stubborn.start(first);
        first.type("go\r");
        first.awaitOutput("bye");
        ProcessHandle child = ProcessHandle.of(stubborn.pid()).orElseThrow();

        FakeContext second = new FakeContext();
        start(second, "/bin/cat");
        second.type("still served\r");
        second.awaitOutput("still served\r\nstill served\r\n");
        assertTrue(child.isAlive(), "the other session was served while the first close waited its grace");
        child.destroyForcibly();
        FakeContext.await(() -> !child.isAlive(), () -> "the stubborn child killed and reaped");
    }

    @Test
    void sessionsClosedOnASharedLoopAreSignalledAtOnceAndReapedByTheLoopAStubbornOneKilledAfterItsGrace()
            throws Exception {
        loop = new PtyLoop("shared-pty");
        List<Long> pids = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            FakeContext c = new FakeContext();
            pids.add(start(c, "/bin/cat").pid());
        }
        FakeContext s = new FakeContext();
        ProcessEngine stubborn = new ProcessEngine(new ProcessEngineConfig(
                List.of("/bin/sh", "-c", "trap '' HUP TERM; echo ready; exec sleep 60"), Map.of("PATH", PATH), dir, 80, 24,
                Duration.ofMillis(300)), ProcessEngine.Readiness.TERMINAL_TAKEN, Sandbox.none(), loop);
        engines.add(stubborn);
        s.workingDirectory = dir;
        stubborn.start(s);
        s.awaitOutput("ready");
        pids.add(stubborn.pid());
        // close() returns once the children are signalled; the loop's tasks wait, kill and release.
        engines.forEach(ProcessEngine::close);
        for (long pid : pids) {
            // Reaped, not a zombie: /proc has no entry for it any more.
            FakeContext.await(() -> !java.nio.file.Files.exists(Path.of("/proc", Long.toString(pid))),
                    () -> "process " + pid + " reaped");
        }
        loop.close();
        assertFalse(liveThreads("shared-pty").contains("shared-pty"), "closing the loop ends its thread");
    }
}
