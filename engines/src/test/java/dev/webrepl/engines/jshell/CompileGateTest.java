package dev.webrepl.engines.jshell;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** How many evaluations compile at once, and that running code or a cancelled wait holds no permit (issue #20). */
@Timeout(120)
class CompileGateTest {
    private static final JShellConfig LOCAL = JShellConfig.defaults().withExecution(JShellConfig.Execution.LOCAL);
    private final ExecutorService threads = Executors.newCachedThreadPool();

    @AfterEach
    void stop() {
        threads.shutdownNow();
    }

    private static void awaitWaiting(CompileGate gate, int n) throws InterruptedException {
        assertTrue(Terminal.await(() -> gate.waiting() == n, Duration.ofSeconds(30)), "waiting: " + gate.waiting());
    }

    /** {@code session} declares x, then evaluates {@code x + 1} while the test holds the gate's only permit. */
    private Future<?> waitingToCompile(JShellEvaluator session, Terminal terminal, CompileGate gate)
            throws InterruptedException {
        assertEquals("x ==> 1\r\n", terminal.eval(session, "int x = 1"));
        assertTrue(gate.enter(() -> false)); // another session compiling, for as long as the test says
        Future<?> waiting = threads.submit(() -> session.evaluate("x + 1", terminal));
        awaitWaiting(gate, 1);
        return waiting;
    }

    @Test
    void aSecondEvaluationWaitsUntilTheFirstGivesItsPermitBackAndTheyTakeTurnsInOrder() throws Exception {
        CompileGate gate = new CompileGate(1);
        assertTrue(gate.enter(() -> false));
        CompletableFuture<Boolean> second = new CompletableFuture<>();
        threads.execute(() -> {
            second.complete(gate.enter(() -> false));
            gate.leave();
        });
        awaitWaiting(gate, 1);
        assertFalse(second.isDone());

        gate.leave();

        assertTrue(second.get(30, TimeUnit.SECONDS));
        assertTrue(gate.enter(() -> false), "the second gave its permit back");
        gate.leave();
    }

    @Test
    void aWaitEndsWhenItsEvaluationIsCancelledAndTakesNoPermit() throws Exception {
        CompileGate gate = new CompileGate(1);
        assertTrue(gate.enter(() -> false));
        AtomicBoolean cancelled = new AtomicBoolean();
        Future<Boolean> waiter = threads.submit(() -> gate.enter(cancelled::get));
        awaitWaiting(gate, 1);

        cancelled.set(true);

        assertFalse(waiter.get(30, TimeUnit.SECONDS));
        gate.leave();
        Future<Boolean> next = threads.submit(() -> {
            boolean entered = gate.enter(() -> false);
            gate.leave();
            return entered;
        });
        assertTrue(next.get(30, TimeUnit.SECONDS), "the cancelled wait left the permit free");
    }

    @Test
    void codeThatRunsHoldsNoPermitSoAnotherSessionCompilesMeanwhile() throws Exception {
        CompileGate gate = new CompileGate(1);
        JShellEvaluator looping = new JShellEvaluator(() -> JShellInstance.start(LOCAL, gate));
        JShellEvaluator other = new JShellEvaluator(() -> JShellInstance.start(LOCAL, gate));
        Terminal loopingTerminal = new Terminal();
        Terminal otherTerminal = new Terminal();
        try {
            Future<?> loop = threads.submit(() -> looping.evaluate(
                    "{ System.out.println(\"running\"); while (true) { Thread.onSpinWait(); } }", loopingTerminal));
            assertTrue(Terminal.await(() -> loopingTerminal.peek().contains("running"), Duration.ofSeconds(30)));

            // Only one permit: the other session compiles only because the loop gave it back when it began to run.
            assertEquals("$1 ==> 2\r\n", otherTerminal.eval(other, "1 + 1"));

            assertTrue(Terminal.interruptUntilDone(looping, loop));
        } finally {
            looping.close();
            other.close();
        }
    }

    @Test
    void ctrlCEndsAnEvaluationThatWaitsToCompileAndItIsNotNumbered() throws Exception {
        CompileGate gate = new CompileGate(1);
        JShellEvaluator session = new JShellEvaluator(() -> JShellInstance.start(LOCAL, gate));
        Terminal terminal = new Terminal();
        try {
            Future<?> waiting = waitingToCompile(session, terminal, gate);

            session.interrupt();

            waiting.get(30, TimeUnit.SECONDS);
            assertEquals("", terminal.take());
            gate.leave();
            assertEquals("$2 ==> 3\r\n", terminal.eval(session, "x + 2"));
        } finally {
            session.close();
        }
    }

    @Test
    void aSessionThatEndsWhileItsEvaluationWaitsToCompileLetsItsThreadGo() throws Exception {
        CompileGate gate = new CompileGate(1);
        JShellEvaluator session = new JShellEvaluator(() -> JShellInstance.start(LOCAL, gate));
        Terminal terminal = new Terminal();
        Future<?> waiting = waitingToCompile(session, terminal, gate);

        session.close();

        waiting.get(30, TimeUnit.SECONDS);
        assertEquals(0, gate.waiting());
        gate.leave();
    }

    @Test
    void aServerCompilesTwiceAsManyAtOnceAsItHasCoresAndAtLeastFour() {
        assertEquals(Math.max(4, 2 * Runtime.getRuntime().availableProcessors()), CompileGate.forThisMachine().size());
    }
}
