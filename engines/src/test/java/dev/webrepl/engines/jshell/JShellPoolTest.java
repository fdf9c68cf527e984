package dev.webrepl.engines.jshell;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.webrepl.core.engine.LineEvaluator;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

class JShellPoolTest {
    private static long children() {
        return ProcessHandle.current().descendants().filter(ProcessHandle::isAlive).count();
    }

    @Test
    void aSessionGetsAnInstanceWarmedInTheBackgroundAndCloseLeavesNoChildJvm() throws Exception {
        long before = children();
        JShellConfig config = JShellConfig.defaults();
        JShellPool pool = JShellPool.start(config, 1);
        try {
            assertTrue(Terminal.await(() -> pool.idle() == 1, Duration.ofSeconds(30)));
            assertEquals(before + 1, children());

            Supplier<LineEvaluator> sessions = JShellEngines.factory(config, pool);
            try (LineEvaluator jshell = sessions.get()) {
                assertEquals("x ==> 1\r\n", new Terminal().eval(jshell, "int x = 1"));
                assertEquals(0, pool.idle()); // the warm one was taken, not a new one built
                assertTrue(Terminal.await(() -> pool.idle() == 1, Duration.ofSeconds(30)));
                assertEquals(before + 2, children());
            }
        } finally {
            pool.close();
        }

        assertTrue(Terminal.await(() -> children() == before, Duration.ofSeconds(20)), "child JVMs left");
        assertThrows(IllegalStateException.class, pool::take);
    }

    @Test
    void aRestoreTakesAWarmInstanceFromThePool() throws Exception {
        // LOCAL runs in this JVM, so the instance's start-up time compares with the test's clock.
        JShellConfig local = JShellConfig.defaults().withExecution(JShellConfig.Execution.LOCAL)
                .withStartup(List.of("long born = System.nanoTime();"));
        try (JShellPool pool = JShellPool.start(local, 1)) {
            JShellEvaluator jshell = (JShellEvaluator) JShellEngines.factory(local, pool, Hibernation.never()).get();
            try (jshell) {
                Terminal terminal = new Terminal();
                assertEquals("x ==> 1\r\n", terminal.eval(jshell, "int x = 1"));
                assertTrue(Terminal.await(() -> pool.idle() == 1, Duration.ofSeconds(30)));
                assertTrue(jshell.hibernate());
                long wake = System.nanoTime();

                String restored = terminal.eval(jshell, "born");
                assertTrue(restored.startsWith("|  Restored after hibernation: 1 snippet replayed.\r\nborn ==> "), restored);
                long born = Long.parseLong(restored.replaceAll("(?s).*born ==> (-?\\d+).*", "$1"));
                assertTrue(born < wake, "the restore's instance was started before the input that woke it");
                assertEquals("x ==> 1\r\n", terminal.eval(jshell, "x"));
            }
        }
    }

    @Test
    void thePoolNeverKeepsMoreThanItsSize() throws Exception {
        JShellConfig local = JShellConfig.defaults().withExecution(JShellConfig.Execution.LOCAL);
        try (JShellPool pool = JShellPool.start(local, 2)) {
            assertTrue(Terminal.await(() -> pool.idle() == 2, Duration.ofSeconds(30)));
            pool.take().close();
            assertTrue(Terminal.await(() -> pool.idle() == 2, Duration.ofSeconds(30)));

            assertEquals(2, pool.idle());
        }
    }

    @Test
    void anAutoPoolStartsWithOneWarmInstanceAndGrowsWhenSessionsStart() throws Exception {
        JShellConfig local = JShellConfig.defaults().withExecution(JShellConfig.Execution.LOCAL);
        try (JShellPool pool = JShellPool.auto(local, 8)) {
            assertTrue(pool.auto());
            assertTrue(Terminal.await(() -> pool.idle() == 1, Duration.ofSeconds(30)));
            assertEquals(1, pool.size());
            for (int i = 0; i < 40; i++) {
                pool.take().close(); // 40 starts within the minute: more than one is expected per build
            }

            assertTrue(pool.size() > 1, () -> "size " + pool.size());
            assertTrue(Terminal.await(() -> pool.idle() == pool.size(), Duration.ofSeconds(60)));
        }
    }

    @Test
    void aPoolBuiltForAnotherConfigurationIsRefused() {
        try (JShellPool pool = JShellPool.start(JShellConfig.defaults().withExecution(JShellConfig.Execution.LOCAL), 0)) {
            assertThrows(IllegalArgumentException.class, () -> JShellEngines.factory(JShellConfig.defaults(), pool));
        }
    }
}
