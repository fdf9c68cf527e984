package dev.webrepl.metrics;

import dev.webrepl.core.engine.EngineContext;
import dev.webrepl.core.engine.ReplEngine;
import org.reactivestreams.Subscription;
import reactor.core.publisher.BaseSubscriber;

/** An engine of a given kind that reads no input (so it stays queued) and exits when told. */
final class FakeEngine implements ReplEngine {
    private final String kind;
    private volatile EngineContext context;
    private volatile boolean hibernated;

    FakeEngine(String kind) {
        this.kind = kind;
    }

    @Override
    public String kind() {
        return kind;
    }

    @Override
    public void start(EngineContext ctx) {
        context = ctx;
        ctx.input().subscribe(new BaseSubscriber<byte[]>() {
            @Override
            protected void hookOnSubscribe(Subscription subscription) {
                // no demand: input stays queued for the gauges to see
            }
        });
    }

    void hibernated(boolean now) {
        hibernated = now;
    }

    @Override
    public boolean hibernated() {
        return hibernated;
    }

    void exit(int status) {
        context.exited(status);
    }

    @Override
    public void interrupt() {
    }

    @Override
    public void close() {
    }
}
