package dev.webrepl.engines.process;

import static dev.webrepl.engines.process.FakeContext.TIMEOUT;
import static dev.webrepl.engines.process.FakeContext.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ch.qos.logback.classic.Level;
import dev.webrepl.testkit.LogCapture;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProcessEngineTest {
    private static final String PROMPT = "prompt$ ";
    private static final String PATH = "/usr/local/bin:/usr/bin:/bin";

    @TempDir
    Path dir;

    private final FakeContext context = new FakeContext();
    private ProcessEngine engine;

    @AfterEach
    void close() {
        if (engine != null) {
            engine.close();
        }
    }

    private ProcessEngine start(Duration killGrace, String... command) throws Exception {
        Map<String, String> env = Map.of("PATH", PATH, "PS1", PROMPT, "GREETING", "from-config");
        engine = new ProcessEngine(new ProcessEngineConfig(List.of(command), env, dir, 80, 24, killGrace));
        context.workingDirectory = dir;
        engine.start(context);
        return engine;
    }

    private ProcessEngine start(String... command) throws Exception {
        return start(Duration.ofSeconds(2), command);
    }

    private int exitStatus() throws Exception {
        return context.exited.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The child, or one of its descendants, running {@code program}. */
    private Optional<ProcessHandle> running(String program) {
        return ProcessHandle.of(engine.pid())
                .flatMap(h -> Stream.concat(Stream.of(h), h.descendants())
                        .filter(d -> d.info().command().map(c -> c.endsWith("/" + program)).orElse(false))
                        .findFirst());
    }

    private ProcessHandle awaitRunning(String program) {
        await(() -> running(program).isPresent(), () -> program + " running under the engine");
        return running(program).orElseThrow();
    }

    /**
     * Types a shell command line and waits for the next prompt, so that the tty's echo of the next
     * line cannot land between this command's output and its prompt.
     */
    private void shell(String line) {
        int prompts = context.count(PROMPT);
        context.type(line + "\r");
        await(() -> context.count(PROMPT) > prompts, () -> "a prompt after " + FakeContext.show(line)
                + ", got " + FakeContext.show(context.text()));
    }

    /** What the processes of the session run now, the child first: {@code /proc/PID/comm} each. */
    private List<String> programs() {
        return ProcessHandle.of(engine.pid()).stream()
                .flatMap(h -> Stream.concat(Stream.of(h), h.descendants()))
                .map(h -> {
                    try {
                        return Files.readString(Path.of("/proc", Long.toString(h.pid()), "comm")).trim();
                    } catch (IOException e) {
                        return "gone";
                    }
                })
                .toList();
    }

    @Test
    void itSaysItIsReadyOnlyOnceTheProgramReadsItsTerminal() throws Exception {
        assumeTrue(Files.isReadable(Path.of("/proc/self/wchan")), "Linux /proc");
        context.onReady = () -> String.join(",", programs());
        // Two programs that do not read the terminal before the one that does (issue 16 point 4).
        start("/bin/sh", "-c", "sleep 0.2; sleep 0.2; exec cat");

        assertEquals("cat", context.readyNote.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS));
        context.type("x\r");
        context.awaitOutput("x\r\nx\r\n");
    }

    @Test
    void itIsReadyWhenAProcessUnderTheProgramReadsItsTerminal() throws Exception {
        assumeTrue(Files.isReadable(Path.of("/proc/self/wchan")), "Linux /proc");
        context.onReady = () -> String.join(",", programs());
        // The shell waits for cat (it does not exec it: a command follows); cat, its child, reads the tty.
        start("/bin/sh", "-c", "sleep 0.2; cat; echo done");

        assertEquals("sh,cat", context.readyNote.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS));
        context.type("x\r");
        context.awaitOutput("x\r\nx\r\n");
    }

    @Test
    void aProgramThatTakesTheTerminalRawIsReadyWithoutReadingIt() throws Exception {
        assumeTrue(Files.isReadable(Path.of("/proc/self/wchan")), "Linux /proc");
        Path marker = dir.resolve("slept");
        context.onReady = () -> Files.exists(marker) ? "after the first sleep" : "during the first sleep";
        // Never reads the tty: only leaving canonical mode can make it ready (the probe gives up silently).
        start("/bin/sh", "-c", "sleep 0.2; : > slept; stty -icanon; exec sleep 30");

        assertEquals("after the first sleep", context.readyNote.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS));
    }

    @Test
    void catEchoesTheLineThenEndsWithStatusZeroOnCtrlD() throws Exception {
        start("/bin/cat");
        context.type("hello\r");
        context.awaitOutput("hello\r\nhello\r\n");
        context.type((byte) 0x04);
        assertEquals(0, exitStatus());
        assertTrue(context.maxOutstandingDemand() <= 1, "input is requested one chunk at a time");
    }

    @Test
    void closingTheEngineFromItsOwnExitReportDoesNotWaitForItself() throws Exception {
        // A session ends its engine on the thread that reports the end (exit, a limit): the pty reader's.
        // It used to join itself there, wait out the reap timeout and warn "pty reader did not end".
        try (LogCapture log = LogCapture.of(ProcessEngine.class.getName(), Level.WARN)) {
            context.onExit = () -> engine.close();
            start("/bin/sh", "-c", "exit 4");
            assertEquals(4, exitStatus());
            assertEquals(List.of(), log.lines());
        }
    }

    @Test
    void exitStatusOfTheChildIsReported() throws Exception {
        start("/bin/sh", "-c", "exit 3");
        assertEquals(3, exitStatus());
        assertFalse(context.failed.isDone());
    }

    @Test
    void shellEvaluatesInTheWorkingDirectoryWithTheConfiguredEnvironment() throws Exception {
        start("/bin/sh");
        context.awaitOutput(PROMPT);
        shell("echo $((6*7))");
        context.awaitOutput("\r\n42\r\n");
        shell("pwd");
        context.awaitOutput("\r\n" + dir.toRealPath() + "\r\n");
        shell("echo $GREETING $TERM");
        context.awaitOutput("\r\nfrom-config xterm-256color\r\n");
    }

    @Test
    void resizeIsSeenByTheChild() throws Exception {
        start("/bin/sh");
        context.awaitOutput(PROMPT);
        shell("stty size");
        context.awaitOutput("\r\n24 80\r\n");
        engine.resize(132, 43);
        shell("stty size");
        context.awaitOutput("\r\n43 132\r\n");
    }

    @Test
    void interruptStopsTheRunningCommandAndTheShellGoesOn() throws Exception {
        start("/bin/sh");
        context.awaitOutput(PROMPT);
        context.type("sleep 30\r");
        ProcessHandle sleep = awaitRunning("sleep");
        engine.interrupt();
        // Quoted so that the tty's echo of the line ("do""ne") is not the output (done); the echo may
        // come before or after the new prompt, depending on when the shell redraws it.
        context.type("echo do\"\"ne\r");
        // awaitOutput gives up long before sleep 30 would end: the shell is back because of the interrupt.
        context.awaitOutput("done\r\n");
        await(() -> !sleep.isAlive(), () -> "sleep was interrupted");
    }

    @Test
    void pausedReaderStopsTheChildAndResumeDeliversEveryLineInOrder() throws Exception {
        assumeTrue(Files.isReadable(Path.of("/proc/self/stat")), "needs /proc to see the child blocked");
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/seq")), "needs seq");
        int lines = 200_000;
        long total = 0;
        for (int i = 1; i <= lines; i++) {
            total += String.valueOf(i).length() + 2;
        }
        start("/usr/bin/seq", "1", String.valueOf(lines));
        context.pausable.get().pause();
        long atPause = context.outputBytes();
        long pid = engine.pid();

        await(() -> engine.readerParked() && blocked(pid), () -> "reader parked and seq blocked on the pty");
        long first = context.outputBytes();
        await(() -> engine.readerParked() && blocked(pid), () -> "seq still blocked");
        long second = context.outputBytes();
        assertTrue(first <= atPause + PtyChannel.CHUNK, "at most one chunk after pause(): " + atPause + " -> " + first);
        assertTrue(first < total, "seq did not finish while paused");
        assertEquals(first, second, "no output while paused");
        assertTrue(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false));

        context.pausable.get().resume();
        assertEquals(0, exitStatus());
        assertEquals(total, context.outputBytes());
        String[] got = context.text().split("\r\n");
        assertEquals(lines, got.length);
        for (int i = 0; i < lines; i++) {
            assertEquals(String.valueOf(i + 1), got[i], "line " + (i + 1));
        }
    }

    /** The process sleeps (state S or D in /proc/pid/stat): for seq, that is a write to a full pty. */
    private static boolean blocked(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            char state = stat.charAt(stat.lastIndexOf(')') + 2);
            return state == 'S' || state == 'D';
        } catch (IOException e) {
            return false;
        }
    }

    @Test
    void aChildThatDoesNotReadStallsInputAndCloseStillEnds() throws Exception {
        start("/bin/sh", "-c", "stty raw -echo; echo ready; sleep 60");
        context.awaitOutput("ready");
        int chunks = 256;
        for (int i = 0; i < chunks; i++) {
            context.type(new byte[4096]);
        }
        await(engine::writerStalled, () -> "the writer waits for a full pty");
        long first = context.delivered();
        await(engine::writerStalled, () -> "the writer still waits");
        assertEquals(first, context.delivered(), "no input taken while the pty is full");
        assertTrue(first < chunks, "input stalled before all of it was taken: " + first);
        assertTrue(context.maxOutstandingDemand() <= 1);

        engine.close();
        // Nothing blocks in a write (the pty is non-blocking): the engine's own loop thread is gone.
        assertTrue(Thread.getAllStackTraces().keySet().stream()
                .noneMatch(t -> t.getName().equals("webrepl-session-test-pty") && t.isAlive()),
                "the pty loop's thread ended");
    }

    @Test
    void inputIsWrittenByTheThreadThatHandsItOverWhileTheLoopThreadIsBusy() throws Exception {
        // The loop thread delivers "go" and is held in the session's write until the end of the test:
        // the keys still reach the child, written by the thread that typed them (issue #19).
        java.util.concurrent.CountDownLatch loopHeld = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch letGo = new java.util.concurrent.CountDownLatch(1);
        context.onOutput = () -> {
            if (loopHeld.getCount() > 0) {
                loopHeld.countDown();
                try {
                    letGo.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        };
        Path got = dir.resolve("got");
        try {
            start("/bin/sh", "-c", "echo go; head -c 3 > got; echo done");
            assertTrue(loopHeld.await(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS), "the loop delivered output");
            await(engine::inputReleased, () -> "input released (head reads its terminal)");

            context.type("ab\r");

            await(() -> Files.exists(got) && readOrEmpty(got).equals("ab\n"), () -> "head got the keys: "
                    + FakeContext.show(readOrEmpty(got)));
        } finally {
            letGo.countDown();
        }
        context.awaitOutput("done");
        assertEquals(0, exitStatus());
    }

    @Test
    void inputAfterACtrlCThatDroppedAWaitingChunkStillReachesTheProgram() throws Exception {
        // Input is held until the shell reads: "a" waits in the channel, Ctrl-C drops it, and "b"
        // waits upstream. Once released, the dropped chunk is asked for again and "b", delivered on
        // the writing thread by that request, is written after the Ctrl-C.
        // (No stty here: a changed terminal counts as ready, and input must be held while we type.)
        start("/bin/sh", "-c", "trap 'echo caught' INT; sleep 1; echo ready; "
                + "while :; do read line && echo \"got:$line\"; done");
        context.type("a");
        engine.interrupt();
        context.type("b\r");

        context.awaitOutput("got:b");
        assertEquals(1, context.count("caught"), FakeContext.show(context.text()));
        assertFalse(context.text().contains("got:a"), FakeContext.show(context.text()));
    }

    private static String readOrEmpty(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return "";
        }
    }

    @Test
    void closeKillsAChildThatIgnoresHangupAfterTheGraceAndLeavesNoProcess() throws Exception {
        long before = ProcessHandle.current().descendants().count();
        Duration grace = Duration.ofMillis(300);
        start(grace, "/bin/sh", "-c", "trap '' HUP TERM; sleep 60");
        ProcessHandle child = ProcessHandle.of(engine.pid()).orElseThrow();
        ProcessHandle sleep = awaitRunning("sleep");

        long t0 = System.nanoTime();
        engine.close();
        long took = System.nanoTime() - t0;
        assertTrue(took >= grace.toNanos(), "waited the grace period before SIGKILL");
        assertFalse(child.isAlive(), "child reaped");
        await(() -> !sleep.isAlive(), () -> "sleep killed");
        await(() -> ProcessHandle.current().descendants().count() == before, () -> "no process left");
        engine.close();
        assertFalse(context.exited.isDone() || context.failed.isDone(), "no end reported after close()");
    }

    @Test
    void closeHangsUpAnOrdinaryShellWithoutWaitingForTheGrace() throws Exception {
        start(Duration.ofSeconds(30), "/bin/sh");
        context.awaitOutput(PROMPT);
        ProcessHandle child = ProcessHandle.of(engine.pid()).orElseThrow();
        engine.close();
        assertFalse(child.isAlive());
    }

    @Test
    void aMissingProgramFailsStartWithItsName() {
        IOException e = assertThrows(IOException.class, () -> start("/nonexistent/program"));
        assertTrue(e.getMessage().contains("/nonexistent/program"), e.getMessage());
        IOException onPath = assertThrows(IOException.class, () -> start("no-such-program-here"));
        assertTrue(onPath.getMessage().contains("no-such-program-here"), onPath.getMessage());
    }

    @Test
    void pythonEvaluatesOnePlusOne() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/python3")), "needs /usr/bin/python3");
        start("/usr/bin/python3", "-i", "-q");
        context.awaitOutput(">>> ");
        context.type("1+1\r");
        context.awaitOutput("1+1\r\n2\r\n>>> ");
    }

    @Test
    void theChildsTreeReadFromItsChildrenListsIsTheTreeTheJdkFinds() throws Exception {
        // Two levels: a sleep and a subshell under the shell, a sleep under the subshell.
        start("/bin/sh", "-c", "sleep 30 & sh -c 'sleep 30 & wait' & echo started; wait");
        context.awaitOutput("started");
        long pid = engine.pid();
        await(() -> ProcessHandle.of(pid).orElseThrow().descendants().count() == 3, () -> "three processes under the shell");
        java.util.Set<Long> jdk = ProcessHandle.of(pid).orElseThrow().descendants().map(ProcessHandle::pid)
                .collect(java.util.stream.Collectors.toSet());
        java.util.Set<Long> ours = ProcessEngine.descendants(pid).stream().map(ProcessHandle::pid)
                .collect(java.util.stream.Collectors.toSet());
        assertEquals(jdk, ours);
    }
}
