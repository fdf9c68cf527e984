package dev.webrepl.engines.jshell;

import dev.webrepl.core.engine.LineEvaluator;
import dev.webrepl.core.engine.TerminalOutput;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.function.BooleanSupplier;

/** A terminal stand-in: collects what an evaluator writes. */
final class Terminal implements TerminalOutput {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

    @Override
    public synchronized void write(byte[] b) {
        bytes.writeBytes(b);
    }

    /** Everything written since the last call. */
    synchronized String take() {
        String s = bytes.toString(StandardCharsets.UTF_8);
        bytes.reset();
        return s;
    }

    /** Everything written since the last {@link #take()}, left there. */
    synchronized String peek() {
        return bytes.toString(StandardCharsets.UTF_8);
    }

    /** Evaluates {@code input} and returns what it wrote. */
    String eval(LineEvaluator evaluator, String input) {
        take();
        evaluator.evaluate(input, this);
        return take();
    }

    /** Polls {@code condition} until it holds or {@code timeout} passes; returns whether it held. */
    static boolean await(BooleanSupplier condition, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(20);
        }
        return true;
    }

    /**
     * Presses Ctrl-C on {@code evaluator} until {@code running} (its evaluation) has ended: pressed
     * while the snippet is still being compiled, it stops nothing yet.
     */
    static boolean interruptUntilDone(LineEvaluator evaluator, java.util.concurrent.Future<?> running)
            throws InterruptedException {
        return await(() -> {
            evaluator.interrupt();
            return running.isDone();
        }, Duration.ofSeconds(10));
    }
}
