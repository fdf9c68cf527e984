package dev.webrepl.server;

import dev.webrepl.core.engine.EngineContext;
import dev.webrepl.core.engine.ReplEngine;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.reactivestreams.Subscription;
import reactor.core.publisher.BaseSubscriber;

/**
 * A test engine (kind {@code scripted}) that reads and drops all input, and writes or fails when
 * the test says so: a flood of output for a slow consumer, or an engine error.
 */
final class ScriptedEngine implements ReplEngine {
    static final String KIND = "scripted";
    private final CountDownLatch started = new CountDownLatch(1);
    private volatile EngineContext context;

    @Override
    public String kind() {
        return KIND;
    }

    @Override
    public void start(EngineContext ctx) {
        context = ctx;
        ctx.input().subscribe(new BaseSubscriber<byte[]>() {
            @Override
            protected void hookOnSubscribe(Subscription subscription) {
                subscription.request(Long.MAX_VALUE);
            }
        });
        started.countDown();
    }

    @Override
    public void interrupt() {
    }

    @Override
    public void close() {
    }

    void write(byte[] bytes) {
        awaitStarted();
        context.output().write(bytes);
    }

    void fail(Throwable error) {
        awaitStarted();
        context.failed(error);
    }

    private void awaitStarted() {
        try {
            if (!started.await(10, TimeUnit.SECONDS)) {
                throw new AssertionError("the engine was not started");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
