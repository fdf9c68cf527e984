package dev.webrepl.engines.jshell;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hibernation with REMOTE execution: the child JVM runs a restore's snippets behind their compilation
 * ({@link ChildJvm#runBehind()}), and a fresh instance's child starts while they compile; what the
 * restore says is the same as when each snippet waited for the child (JShellHibernationTest, LOCAL).
 */
class JShellHibernationRemoteTest {
    private static final JShellConfig REMOTE = JShellConfig.defaults();
    private static final JShellConfig UNSTARTABLE = REMOTE.withRemoteVmOptions(List.of("-XX:+NoSuchOption"));
    // Then the child's first line of standard error, as a rule; now and then the JDK has closed that
    // stream under its reader when the child ended (then the reason is how the handshake failed).
    private static final String NOT_STARTED = "the child JVM did not start: ";

    private final AtomicReference<JShellConfig> config = new AtomicReference<>(REMOTE);
    private final AtomicReference<JShellInstance> latest = new AtomicReference<>();
    // As the server's factory makes them: the evaluator waits for a new session's child, a restore does not.
    private final JShellEvaluator jshell = new JShellEvaluator(() -> {
        JShellInstance instance = JShellInstance.starting(config.get());
        latest.set(instance);
        return instance;
    }, Hibernation.never());
    private final Terminal terminal = new Terminal();

    @TempDir
    Path dir;

    @AfterEach
    void close() {
        jshell.close();
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

    /** Snippets 1 to 3 declare {@code spin()}, which writes {@code entered} and waits while {@code gate} exists. */
    private void declareSpin(Path entered, Path gate) {
        eval("Path entered = Path.of(" + quoted(entered) + ")");
        eval("Path gate = Path.of(" + quoted(gate) + ")");
        eval("boolean spin() throws Exception { Files.writeString(entered, \"\"); "
                + "while (Files.exists(gate)) Thread.sleep(1); return true; }");
    }

    @Test
    void theReplayCompilesTheSnippetsAfterOneTheChildIsStillRunning() throws Exception {
        Path entered = dir.resolve("entered");
        Path gate = dir.resolve("gate");
        declareSpin(entered, gate);
        eval("boolean spun = spin()");
        eval("int a = 1");
        eval("int b = a + 1");
        Files.delete(entered);
        Files.createFile(gate);   // the replay of snippet 4 now spins until the gate goes
        hibernate();

        CompletableFuture<String> restore = CompletableFuture.supplyAsync(() -> eval("b"));
        assertTrue(Terminal.await(() -> Files.exists(entered), Duration.ofSeconds(20)));
        // Snippets 5 and 6 are compiled while the child still runs snippet 4: the next number is 7.
        boolean ahead = Terminal.await(() -> latest.get().nextSnippetNumber() == 7, Duration.ofSeconds(20));
        Files.delete(gate);

        assertTrue(ahead, "snippets 5 and 6 compiled while snippet 4 ran");
        assertEquals("|  Restored after hibernation: 6 snippets replayed.\r\nb ==> 2\r\n",
                restore.get(20, TimeUnit.SECONDS));
        assertEquals("spun ==> true\r\n", eval("spun"));
    }

    @Test
    void aSnippetThatThrowsOnReplayIsNamedAndTheRestoreCarriesOn() throws Exception {
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
    void ctrlCDuringARestoreStopsTheSnippetTheChildRunsAndTheRestoreCarriesOn() throws Exception {
        Path entered = dir.resolve("entered");
        Path gate = dir.resolve("gate");
        declareSpin(entered, gate);
        eval("spin()");
        eval("int after = 5");
        Files.delete(entered);
        Files.createFile(gate);   // the replay of snippet 4 now spins until stopped
        hibernate();

        CompletableFuture<String> restore = CompletableFuture.supplyAsync(() -> eval("after + 1"));
        assertTrue(Terminal.await(() -> Files.exists(entered), Duration.ofSeconds(20)));
        jshell.interrupt();   // once: the snippet runs in the child (it wrote the file), so this Ctrl-C lands

        // The input that woke the session is Ctrl-C'd with it; the snippets after the stopped one are back.
        assertEquals("|  Restored after hibernation: 4 of 5 snippets replayed.\r\n"
                + "|  Snippet 4 not restored (stopped): spin()\r\n", restore.get(20, TimeUnit.SECONDS));
        assertEquals("after ==> 5\r\n", eval("after"));
    }

    @Test
    void aChildThatCannotStartForARestoreLeavesTheSessionHibernated() {
        eval("int x = 41");
        hibernate();
        config.set(UNSTARTABLE);

        String failed = eval("x + 1");
        assertTrue(failed.startsWith("|  State engine failed: java.lang.IllegalStateException: " + NOT_STARTED), failed);
        assertTrue(jshell.hibernated());

        config.set(REMOTE);
        assertEquals("|  Restored after hibernation: 1 snippet replayed.\r\n$2 ==> 42\r\n", eval("x + 1"));
        assertFalse(jshell.hibernated());
    }

    @Test
    void aChildThatCannotStartIsSaidByStartingOrAwaitStarted() {
        // starting() says so itself when the child has ended before JShell's start-up was compiled.
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> JShellInstance.starting(UNSTARTABLE).awaitStarted());

        assertTrue(e.getMessage().startsWith(NOT_STARTED), e.getMessage());
    }
}
