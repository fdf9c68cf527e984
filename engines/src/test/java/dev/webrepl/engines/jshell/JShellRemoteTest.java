package dev.webrepl.engines.jshell;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** REMOTE execution (the default): one child JVM per instance; one evaluator shared to keep the class quick. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class JShellRemoteTest {
    private final JShellConfig config = JShellConfig.defaults();
    private final JShellEvaluator jshell = new JShellEvaluator(() -> JShellInstance.start(config));
    private final Terminal terminal = new Terminal();

    @AfterAll
    void close() {
        jshell.close();
    }

    private String eval(String input) {
        return terminal.eval(jshell, input);
    }

    @Test
    void userCodeRunsInAnotherProcess() {
        String pid = eval("ProcessHandle.current().pid()");

        assertTrue(pid.matches("\\$\\d+ ==> \\d+\r\n"), pid);
        assertNotEquals(String.valueOf(ProcessHandle.current().pid()), pid.replaceAll("^.* ==> |\r\n$", ""));
    }

    @Test
    void userOutputReachesTheTerminalWithCrLf() {
        assertEquals("hi\r\nthere\r\n", eval("System.out.print(\"hi\\nthere\\n\")"));
        assertEquals("err\r\n", eval("System.err.println(\"err\")"));
    }

    @Test
    void hibernationEndsTheChildJvmAndARestoreStartsAnotherWithTheSameState() throws Exception {
        JShellEvaluator session = new JShellEvaluator(() -> JShellInstance.start(config), Hibernation.never());
        try {
            String pid = terminal.eval(session, "long pid = ProcessHandle.current().pid()").replaceAll("\\D", "");
            terminal.eval(session, "String greet(String who) { return \"hello \" + who; }");
            ProcessHandle child = ProcessHandle.of(Long.parseLong(pid)).orElseThrow();
            assertTrue(session.hibernate());

            child.onExit().get(20, TimeUnit.SECONDS);
            assertEquals("|  Restored after hibernation: 2 snippets replayed.\r\n$3 ==> \"hello again\"\r\n",
                    terminal.eval(session, "greet(\"again\")"));
            // Replayed, not remembered: the declaration ran again, in the new child JVM (README "Hibernation").
            String replayed = terminal.eval(session, "pid");
            assertTrue(replayed.matches("pid ==> \\d+\r\n"), replayed);
            assertNotEquals(pid, replayed.replaceAll("\\D", ""));
        } finally {
            session.close();
        }
    }

    @Test
    void interruptStopsAnEndlessLoopAndTheSessionGoesOn() throws Exception {
        eval("int before = 7");
        CompletableFuture<String> loop = CompletableFuture.supplyAsync(() -> eval("while (true) {}"));
        assertTrue(Terminal.await(jshell::isBusy, Duration.ofSeconds(10)));

        assertTrue(Terminal.interruptUntilDone(jshell, loop));
        loop.get(1, TimeUnit.SECONDS);
        assertTrue(eval("1 + 1").matches("\\$\\d+ ==> 2\r\n"));
        assertEquals("before ==> 7\r\n", eval("before"));
    }

    @Test
    void userCodeReadingSystemInGetsItsEndNotTheServersStandardInput() {
        assertTrue(eval("System.in.read()").matches("\\$\\d+ ==> -1\r\n"));
    }

    @Test
    void aChildThatStopsReadingHoldsUpNeitherCtrlCNorTheEnd() throws Exception {
        // Thread.suspend is gone from JDK 20 on; another child could stop reading by other means.
        org.junit.jupiter.api.Assumptions.assumeTrue(Runtime.version().feature() < 20, "needs Thread.suspend");
        JShellEvaluator hostile = new JShellEvaluator(() -> JShellInstance.start(config));
        Terminal screen = new Terminal();
        assertEquals("", screen.eval(hostile, "Thread.getAllStackTraces().keySet().stream()"
                + ".filter(t -> t.getName().equals(\"webrepl-agent-frames\")).forEach(Thread::suspend);"));
        // The next snippet's class (six 60 KB constants) is more than the pipe and the child's last read
        // hold: the evaluation waits in a write to the child, holding the evaluator and the stream.
        StringBuilder big = new StringBuilder("void big() {");
        for (char c = 'a'; c < 'g'; c++) {
            big.append(" String ").append(c).append(" = \"").append(String.valueOf(c).repeat(60_000)).append("\";");
        }
        CompletableFuture<String> stuck = CompletableFuture.supplyAsync(() -> screen.eval(hostile, big + " }"));
        assertTrue(Terminal.await(hostile::isBusy, Duration.ofSeconds(10)));
        // Until the evaluation waits in its write (a signal of its own would need a hook in the JDK's stream).
        assertTrue(Terminal.await(() -> Thread.getAllStackTraces().values().stream().anyMatch(st -> st.length > 0
                && st[0].getMethodName().equals("writeBytes") && java.util.Arrays.stream(st)
                .anyMatch(f -> f.getClassName().equals(ChildJvm.Frames.class.getName()))), Duration.ofSeconds(20)));

        org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(Duration.ofSeconds(10), hostile::interrupt);
        org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(Duration.ofSeconds(20), hostile::close);
        stuck.get(20, TimeUnit.SECONDS); // the evaluation ended with its child
    }

    @Test
    void aChildJvmThatCannotStartSaysWhy() {
        IllegalStateException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                () -> JShellInstance.start(config.withRemoteVmOptions(java.util.List.of("-XX:+NoSuchOption"))));

        assertEquals("the child JVM did not start: Unrecognized VM option 'NoSuchOption'", e.getMessage());
    }

    @Test
    void systemExitEndsOnlyTheStateEngineWhichRestarts() {
        eval("int lost = 1");

        assertEquals("|  State engine terminated.\r\n", eval("System.exit(3)"));
        assertEquals("$1 ==> 2\r\n", eval("1 + 1"));
        assertTrue(eval("lost").startsWith("|  Error:\r\n|  cannot find symbol"));
    }

    @Test
    void twoEvaluatorsDoNotSeeEachOthersVariables() {
        try (JShellEvaluator other = new JShellEvaluator(() -> JShellInstance.start(config))) {
            Terminal otherTerminal = new Terminal();
            assertEquals("secret ==> 42\r\n", otherTerminal.eval(other, "int secret = 42"));

            assertTrue(eval("secret").startsWith("|  Error:\r\n|  cannot find symbol"));
        }
    }
}
