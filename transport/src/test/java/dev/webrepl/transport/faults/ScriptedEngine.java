package dev.webrepl.transport.faults;

import dev.webrepl.core.engine.EngineContext;
import dev.webrepl.core.engine.ReplEngine;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An engine the test drives: it never reads its input (an engine stuck in an evaluation), writes
 * when told to, and counts interrupts and closes.
 */
final class ScriptedEngine implements ReplEngine {
    private final CountDownLatch started = new CountDownLatch(1);
    final AtomicInteger interrupts = new AtomicInteger();
    final AtomicInteger closes = new AtomicInteger();
    private volatile EngineContext context;

    @Override
    public void start(EngineContext ctx) {
        context = ctx;
        started.countDown();
    }

    @Override
    public String kind() {
        return "scripted";
    }

    @Override
    public void interrupt() {
        interrupts.incrementAndGet();
    }

    @Override
    public void close() {
        closes.incrementAndGet();
    }

    /** Writes {@code bytes} as engine output (never blocks: DESIGN "Output"). */
    void write(byte[] bytes) throws InterruptedException {
        if (!started.await(10, TimeUnit.SECONDS)) {
            throw new AssertionError("the engine was never started");
        }
        context.output().write(bytes);
    }
}
