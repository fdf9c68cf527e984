package dev.webrepl.engines.jshell;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.webrepl.core.engine.EngineContext;
import dev.webrepl.core.engine.EngineOutput;
import dev.webrepl.core.engine.EngineRecorder;
import dev.webrepl.core.engine.Pausable;
import dev.webrepl.core.terminal.LineDiscipline;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Flux;

/**
 * Hibernation (README "Hibernation") on LOCAL execution: {@link JShellEvaluator#hibernate()} stands in
 * for the idle timer, except in {@link #aSessionWithoutInputHibernatesAfterTheDelay()}.
 */
class JShellHibernationTest {
    private static final JShellConfig LOCAL = JShellConfig.defaults().withExecution(JShellConfig.Execution.LOCAL);

    private final AtomicInteger started = new AtomicInteger();
    private final Supplier<JShellInstance> instances = () -> {
        started.incrementAndGet();
        return JShellInstance.start(LOCAL);
    };
    private final Hibernation hibernation = Hibernation.never();
    private final JShellEvaluator jshell = new JShellEvaluator(instances, hibernation);
    private final Terminal terminal = new Terminal();
    private final List<String> events = new CopyOnWriteArrayList<>();

    @TempDir
    Path dir;

    @AfterEach
    void close() {
        jshell.close();
        hibernation.close();
    }

    private String eval(String input) {
        return terminal.eval(jshell, input);
    }

    private void hibernate() {
        assertTrue(jshell.hibernate());
        assertTrue(jshell.hibernated());
    }

    private String quoted(Path path) {
        return "\"" + path.toString().replace("\\", "\\\\") + "\"";
    }

    @Test
    void aRestoreKeepsVariablesMethodsClassesAndImports() {
        eval("int x = 41");
        eval("int twice(int n) { return 2 * n; }");
        eval("record Point(int a, int b) { int sum() { return a + b; } }");
        eval("import java.time.Duration;");
        hibernate();

        assertEquals("|  Restored after hibernation: 4 snippets replayed.\r\n$5 ==> 85\r\n",
                eval("twice(x) + new Point(1, 1).sum() + (int) Duration.ofSeconds(1).toSeconds()"));
        assertFalse(jshell.hibernated());
        assertEquals(2, started.get());
        assertEquals("|    int x = 41\r\n|    int $5 = 85\r\n", eval("/vars"));
        assertEquals("$6 ==> 1\r\n", eval("$5 - 84"));
    }

    @Test
    void aHibernatedSessionHasClosedItsInstance() {
        CompletableFuture<String> shutdown = new CompletableFuture<>();
        JShellEvaluator other = new JShellEvaluator(() -> {
            JShellInstance instance = JShellInstance.start(LOCAL);
            instance.jshell().onShutdown(j -> shutdown.complete("closed"));
            return instance;
        }, hibernation);
        try {
            terminal.eval(other, "int y = 2");
            assertTrue(other.hibernate());

            assertEquals("closed", shutdown.getNow("open"));
        } finally {
            other.close();
        }
    }

    @Test
    void failedDroppedAndRedeclaredSnippetsAreNotReplayed() {
        eval("int f() { return 1; }");          // 1: declared again by 6
        eval("int y = 1 / 0");                  // 2: threw
        eval("int z = undefined");              // 3: rejected
        eval("int w = 5");                      // 4: dropped
        eval("/drop w");
        eval("int v = 7");                      // 5
        eval("int f() { return 2; }");          // 6
        hibernate();

        assertEquals("|  Restored after hibernation: 2 snippets replayed.\r\n$7 ==> 9\r\n", eval("f() + v"));
        assertEquals("|    int v = 7\r\n|    int $7 = 9\r\n", eval("/vars"));
    }

    @Test
    void aVariableDeclaredAgainIsReplayedForTheSnippetsThatUsedIt() {
        eval("int x = 1");
        eval("int y = x + 1");
        eval("int x = 10");
        hibernate();

        assertEquals("|  Restored after hibernation: 3 snippets replayed.\r\n$4 ==> 12\r\n", eval("x + y"));
    }

    @Test
    void snippetNumbersAndTemporaryNamesCarryOnAfterARestore() {
        eval("1 + 1");             // $1
        eval("int q = nothing");   // 2: rejected, but it had its number
        eval("$1 * 10");           // $3
        hibernate();

        assertEquals("|  Restored after hibernation: 2 snippets replayed.\r\n$4 ==> 22\r\n", eval("$1 + $3"));
        assertEquals("\r\n   1 : 1 + 1\r\n   3 : $1 * 10\r\n   4 : $1 + $3\r\n", eval("/list"));
    }

    @Test
    void aSnippetThatFailsToReplayIsNamedAndTheRestoreCarriesOn() throws Exception {
        Path file = Files.writeString(dir.resolve("data.txt"), "hello");
        eval("Path file = Path.of(" + quoted(file) + ")");
        eval("String text = Files.readString(file)");
        eval("int after = 3");
        Files.delete(file);
        hibernate();

        assertEquals("|  Restored after hibernation: 2 of 3 snippets replayed.\r\n"
                + "|  Snippet 2 not restored (threw java.nio.file.NoSuchFileException): "
                + "String text = Files.readString(file);\r\n"
                + "after ==> 3\r\n", eval("after"));
        assertEquals("|    Path file = " + file + "\r\n|    String text = null\r\n|    int after = 3\r\n",
                eval("/vars"));
    }

    @Test
    void ctrlCDuringARestoreStopsTheSnippetBeingReplayedAndTheRestoreCarriesOn() throws Exception {
        Path entered = dir.resolve("entered");
        Path gate = dir.resolve("gate");
        eval("Path entered = Path.of(" + quoted(entered) + ")");
        eval("Path gate = Path.of(" + quoted(gate) + ")");
        eval("boolean spin() throws Exception { Files.writeString(entered, \"\"); "
                + "while (Files.exists(gate)) Thread.sleep(1); return true; }");
        eval("spin()");
        eval("int after = 5");
        Files.delete(entered);
        Files.createFile(gate);   // the replay of snippet 4 now spins until stopped
        hibernate();

        CompletableFuture<String> restore = CompletableFuture.supplyAsync(() -> eval("after + 1"));
        assertTrue(Terminal.await(() -> Files.exists(entered), Duration.ofSeconds(20)));
        jshell.interrupt();   // once: the snippet runs (it wrote the file), so this Ctrl-C lands

        // The input that woke the session is Ctrl-C'd with it; the snippets after the stopped one are back.
        assertEquals("|  Restored after hibernation: 4 of 5 snippets replayed.\r\n"
                + "|  Snippet 4 not restored (stopped): spin()\r\n", restore.get(20, TimeUnit.SECONDS));
        assertEquals("after ==> 5\r\n", eval("after"));
    }

    @Test
    void resetThenHibernateRestoresAnEmptyState() {
        eval("int x = 1");
        eval("/reset");
        assertEquals("", eval("/vars"));
        hibernate();

        assertEquals("|  Restored after hibernation: 0 snippets replayed.\r\n", eval("/vars"));
        assertTrue(eval("x").startsWith("|  Error:\r\n|  cannot find symbol"));
    }

    @Test
    void resetWhileHibernatedForgetsTheSnippetsWithoutARestore() {
        eval("int x = 1");
        hibernate();

        assertEquals("|  Resetting state.\r\n", eval("/reset"));
        assertFalse(jshell.hibernated());
        assertEquals("$1 ==> 2\r\n", eval("1 + 1"));
        assertEquals(2, started.get());
    }

    @Test
    void helpAndExitDoNotWakeASession() {
        eval("int x = 1");
        hibernate();

        assertTrue(eval("/help").startsWith("|  "));
        assertTrue(jshell.hibernated());
        assertEquals("|  Goodbye\r\n", eval("/exit"));
        assertEquals(1, started.get());
    }

    @Test
    void completenessAndTabCompletionOfAHibernatedSessionDoNotWakeIt() {
        eval("int x = 1");
        hibernate();

        assertFalse(jshell.isComplete("void f() {"));
        assertTrue(jshell.isComplete("int y = 2;"));
        assertTrue(jshell.complete("String.valueO", 13).candidates().contains("valueOf("));
        assertTrue(jshell.hibernated());
        assertEquals(1, started.get());
    }

    @Test
    void aSnippetStoppedByCtrlCIsNotReplayed() throws Exception {
        eval("int x = 1");
        CompletableFuture<String> loop = CompletableFuture.supplyAsync(() -> eval("while (true) {}"));
        assertTrue(Terminal.await(jshell::isBusy, Duration.ofSeconds(10)));
        assertTrue(Terminal.interruptUntilDone(jshell, loop));
        hibernate();

        assertEquals("|  Restored after hibernation: 1 snippet replayed.\r\nx ==> 1\r\n", eval("x"));
    }

    @Test
    void aBusySessionDoesNotHibernate() throws Exception {
        eval("1");
        CompletableFuture<String> loop = CompletableFuture.supplyAsync(() -> eval("while (true) {}"));
        assertTrue(Terminal.await(jshell::isBusy, Duration.ofSeconds(10)));

        assertFalse(jshell.hibernate());   // could not look: it is evaluating
        assertFalse(jshell.hibernated());
        assertTrue(Terminal.interruptUntilDone(jshell, loop));
    }

    @Test
    void tooMuchSourceKeepsASessionLive() {
        eval("String big = \"" + "a".repeat(SnippetHistory.MAX_CHARS) + "\"");

        assertTrue(jshell.hibernate());
        assertFalse(jshell.hibernated());
        eval("/reset");
        eval("int small = 1");
        hibernate();
    }

    @Test
    void aSessionWithoutInputHibernatesAfterTheDelay() throws Exception {
        CountDownLatch hibernated = new CountDownLatch(1);
        try (Hibernation soon = Hibernation.after(Duration.ofMillis(200))) {
            JShellEvaluator session = new JShellEvaluator(instances, soon);
            session.start(context(new EngineRecorder() {
                @Override
                public void hibernated() {
                    hibernated.countDown();
                }
            }));
            try {
                terminal.eval(session, "int x = 6");

                assertTrue(hibernated.await(20, TimeUnit.SECONDS));
                assertTrue(session.hibernated());
                assertEquals("|  Restored after hibernation: 1 snippet replayed.\r\n$2 ==> 7\r\n",
                        terminal.eval(session, "x + 1"));
            } finally {
                session.close();
            }
        }
    }

    @Test
    void hibernationsAndRestoresAreReported() {
        jshell.start(context(new EngineRecorder() {
            @Override
            public void hibernated() {
                events.add("hibernated");
            }

            @Override
            public void restored(Duration took) {
                events.add("restored");
            }
        }));
        eval("int x = 1");
        hibernate();
        eval("x");

        assertEquals(List.of("hibernated", "restored"), events);
    }

    @Test
    void inputTypedDuringARestoreIsEvaluatedAfterItInOrder() throws Exception {
        CountDownLatch starting = new CountDownLatch(1);
        CountDownLatch go = new CountDownLatch(1);
        JShellEvaluator session = new JShellEvaluator(() -> {
            if (started.incrementAndGet() == 2) {   // the restore's instance
                starting.countDown();
                try {
                    go.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return JShellInstance.start(LOCAL);
        }, hibernation);
        LineDiscipline line = new LineDiscipline(session);
        line.start(terminal);
        try {
            line.input("int x = 1\r".getBytes(StandardCharsets.UTF_8));
            assertTrue(Terminal.await(() -> terminal.peek().endsWith("x ==> 1\r\njshell> "), Duration.ofSeconds(20)));
            assertTrue(session.hibernate());
            terminal.take();

            line.input("x\r".getBytes(StandardCharsets.UTF_8));
            assertTrue(starting.await(20, TimeUnit.SECONDS));
            line.input("x + 1\r".getBytes(StandardCharsets.UTF_8));
            line.input("x + 2\r".getBytes(StandardCharsets.UTF_8));
            go.countDown();

            String expected = "x\r\n|  Restored after hibernation: 1 snippet replayed.\r\nx ==> 1\r\njshell> "
                    + "x + 1\r\n$3 ==> 2\r\njshell> x + 2\r\n$4 ==> 3\r\njshell> ";
            assertTrue(Terminal.await(() -> terminal.peek().equals(expected), Duration.ofSeconds(20)),
                    terminal.peek());
        } finally {
            line.close();
        }
    }

    private static EngineContext context(EngineRecorder recorder) {
        return new EngineContext() {
            @Override
            public String sessionId() {
                return "test";
            }

            @Override
            public EngineRecorder recorder() {
                return recorder;
            }

            @Override
            public Flux<byte[]> input() {
                return Flux.never();
            }

            @Override
            public EngineOutput output() {
                throw new UnsupportedOperationException();
            }

            @Override
            public void pausable(Pausable producer) {
            }

            @Override
            public void exited(int status) {
            }

            @Override
            public void failed(Throwable error) {
            }
        };
    }
}
