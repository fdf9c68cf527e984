package dev.webrepl.engines.jshell;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import dev.webrepl.core.engine.LineEvaluator;
import dev.webrepl.testkit.LogCapture;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(120)
class JShellWarmUpTest {
    private static final JShellConfig LOCAL = JShellConfig.defaults().withExecution(JShellConfig.Execution.LOCAL);

    @TempDir
    Path root;

    private static long children() {
        return ProcessHandle.current().descendants().filter(ProcessHandle::isAlive).count();
    }

    @Test
    void theScriptIsFiftyInputsEachOfThemRestored() throws Exception {
        assertEquals(50, JShellWarmUp.SCRIPT.size());
        // The restore the warm-up drives, seen as a session sees it: every input replayed, numbers going on.
        JShellEvaluator jshell = (JShellEvaluator) JShellEngines.factory(LOCAL, null).get();
        try (jshell) {
            List<SnippetHistory.Entry> entries = new java.util.ArrayList<>();
            for (int i = 0; i < JShellWarmUp.SCRIPT.size(); i++) {
                entries.add(new SnippetHistory.Entry(i + 1, JShellWarmUp.SCRIPT.get(i)));
            }
            jshell.hibernatedAs(new SnippetHistory.Snapshot(entries, 51));
            assertTrue(jshell.hibernated());
            Terminal terminal = new Terminal();
            assertEquals("|  Restored after hibernation: 50 snippets replayed.\r\nsummary ==> \"Hello, world!: 6 words, "
                    + "total 12, areas 9.14\"\r\n", terminal.eval(jshell, "summary"));
            assertEquals("$52 ==> 17\r\n", terminal.eval(jshell, "$50 + 1"));
        }
    }

    @Test
    void aWarmUpRestoresTheScriptItsRoundsThenEndsWithOneInfoLine() throws Exception {
        try (LogCapture log = LogCapture.of(JShellWarmUp.class.getName(), Level.INFO);
             JShellWarmUp warmUp = JShellWarmUp.of(JShellEngines.factory(LOCAL, null), null, root, 2)) {
            warmUp.start();
            assertEquals(JShellWarmUp.Outcome.DONE, warmUp.ended().get(60, TimeUnit.SECONDS));
            List<ILoggingEvent> events = log.events();
            assertEquals(1, events.size(), events.toString());
            assertEquals(Level.INFO, events.get(0).getLevel());
            String line = events.get(0).getFormattedMessage();
            assertTrue(line.matches("jshell warm-up: 2 restores of 50 snippets in \\d+\\.\\d s"), line);
        }
    }

    @Test
    void aServerWhoseSessionsHibernateGetsItsAnalysisJShellBuiltByTheWarmUp() throws Exception {
        try (Hibernation hibernation = Hibernation.after(Duration.ofHours(1));
             JShellWarmUp warmUp = JShellWarmUp.of(JShellEngines.factory(LOCAL, null, hibernation), null, root, 1)) {
            assertFalse(hibernation.analysisBuilt());
            warmUp.start();
            assertEquals(JShellWarmUp.Outcome.DONE, warmUp.ended().get(60, TimeUnit.SECONDS));
            assertTrue(hibernation.analysisBuilt());
        }
    }

    @Test
    void withAPoolItBuildsItsOwnInstancesAndTheSessionsStartRateDoesNotCountThem() throws Exception {
        try (JShellPool pool = JShellPool.auto(LOCAL, 8)) {
            assertTrue(Terminal.await(() -> pool.idle() == 1, Duration.ofSeconds(30)));
            try (JShellWarmUp warmUp = JShellWarmUp.of(JShellEngines.factory(LOCAL, pool), pool, root, 3)) {
                warmUp.start();
                assertEquals(JShellWarmUp.Outcome.DONE, warmUp.ended().get(60, TimeUnit.SECONDS));
            }
            // Three restores taken from the pool would have counted as three session starts: it would grow.
            assertEquals(1, pool.size());
            assertEquals(1, pool.idle());
        }
    }

    @Test
    void closingStopsTheWarmUpAndClosesItsJShellAndChildJvm() throws Exception {
        long before = children();
        JShellConfig remote = JShellConfig.defaults();
        List<JShellInstance> made = new CopyOnWriteArrayList<>();
        CountDownLatch building = new CountDownLatch(1);
        // The sessions' own way of starting an instance, watched.
        Supplier<LineEvaluator> sessions = () -> new JShellEvaluator(() -> {
            JShellInstance instance = JShellInstance.starting(remote);
            made.add(instance);
            building.countDown();
            return instance;
        });
        try (LogCapture log = LogCapture.of(JShellWarmUp.class.getName(), Level.INFO)) {
            JShellWarmUp warmUp = JShellWarmUp.of(sessions, null, root, 1000);
            warmUp.start();
            assertTrue(building.await(60, TimeUnit.SECONDS));

            warmUp.close();
            assertTrue(warmUp.ended().isDone(), "close returns once the warm-up has ended");
            assertEquals(JShellWarmUp.Outcome.STOPPED, warmUp.ended().get());
            assertTrue(made.stream().allMatch(JShellInstance::terminated), "every JShell it made is closed");
            assertTrue(Terminal.await(() -> children() == before, Duration.ofSeconds(20)), "child JVMs left");
            List<ILoggingEvent> events = log.events();
            assertEquals(1, events.size(), events.toString());
            assertTrue(events.get(0).getFormattedMessage()
                    .matches("jshell warm-up: stopped by the server's shutdown after \\d+ of 1000 restores"),
                    events.get(0).getFormattedMessage());
        }
    }

    @Test
    void aWarmUpWhoseChildJvmCannotStartSaysWhyInOneWarnLineWithoutATrace() throws Exception {
        JShellConfig broken = JShellConfig.defaults().withRemoteVmOptions(List.of("-XX:+NoSuchOptionForTheWarmUp"));
        try (LogCapture log = LogCapture.of("dev.webrepl", Level.INFO);
             JShellWarmUp warmUp = JShellWarmUp.of(JShellEngines.factory(broken, null), null, root)) {
            warmUp.start();
            assertEquals(JShellWarmUp.Outcome.FAILED, warmUp.ended().get(60, TimeUnit.SECONDS));
            List<ILoggingEvent> events = log.events();
            assertEquals(1, events.size(), events.toString());
            ILoggingEvent line = events.get(0);
            assertEquals(Level.WARN, line.getLevel());
            assertTrue(line.getFormattedMessage().startsWith("jshell warm-up: stopped after 0 of " + JShellWarmUp.ROUNDS + " restores: "
                    + "State engine failed: "), line.getFormattedMessage());
            assertTrue(line.getFormattedMessage().contains("NoSuchOptionForTheWarmUp"), line.getFormattedMessage());
            assertNull(line.getThrowableProxy());
        }
    }

    @Test
    void closedBeforeItStartsItNeverRuns() throws Exception {
        List<JShellInstance> made = new CopyOnWriteArrayList<>();
        Supplier<LineEvaluator> sessions = () -> new JShellEvaluator(() -> {
            JShellInstance instance = JShellInstance.starting(LOCAL);
            made.add(instance);
            return instance;
        });
        JShellWarmUp warmUp = JShellWarmUp.of(sessions, null, root);
        warmUp.close();
        warmUp.start();
        assertEquals(JShellWarmUp.Outcome.STOPPED, warmUp.ended().get(10, TimeUnit.SECONDS));
        assertEquals(List.of(), made);
    }
}
