package dev.webrepl.transport.sessions;

import dev.webrepl.core.engine.EngineContext;
import dev.webrepl.core.engine.ReplEngine;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.reactivestreams.Subscription;
import reactor.core.publisher.BaseSubscriber;

/**
 * A {@link ReplEngine} test double that reads input only when the test releases it
 * ({@link #release(long)}) and writes, exits or fails when the test says so. It records every input
 * chunk and every interrupt, in order, in {@link #events()}.
 */
final class ControlledEngine implements ReplEngine {
    private final ByteArrayOutputStream received = new ByteArrayOutputStream();
    private final List<String> events = new CopyOnWriteArrayList<>();
    private final CountDownLatch started = new CountDownLatch(1);
    private volatile EngineContext context;
    private volatile Subscription input;
    private volatile boolean closed;

    /** Thrown by {@link #start}: an engine that cannot start (no such program). */
    volatile java.io.IOException failAtStart;

    @Override
    public void start(EngineContext ctx) throws java.io.IOException {
        if (failAtStart != null) {
            throw failAtStart;
        }
        context = ctx;
        ctx.input().subscribe(new BaseSubscriber<byte[]>() {
            @Override
            protected void hookOnSubscribe(Subscription subscription) {
                input = subscription;   // no request: the test releases input
            }

            @Override
            protected void hookOnNext(byte[] bytes) {
                synchronized (received) {
                    received.writeBytes(bytes);
                }
                events.add("read " + new String(bytes, StandardCharsets.ISO_8859_1));
            }
        });
        started.countDown();
    }

    /** Lets the engine read {@code chunks} more input chunks. */
    void release(long chunks) {
        awaitStarted();
        input.request(chunks);
    }

    @Override
    public void interrupt() {
        events.add("interrupt");
    }

    @Override
    public void close() {
        closed = true;
    }

    boolean closed() {
        return closed;
    }

    void write(byte[] bytes) {
        awaitStarted();
        context.output().write(bytes);
    }

    void exit(int status) {
        awaitStarted();
        context.exited(status);
    }

    void fail(Throwable error) {
        awaitStarted();
        context.failed(error);
    }

    /** Every input byte the engine has read, in order. */
    byte[] received() {
        synchronized (received) {
            return received.toByteArray();
        }
    }

    int receivedCount() {
        synchronized (received) {
            return received.size();
        }
    }

    /** "read <chunk>" and "interrupt", in the order they happened. */
    List<String> events() {
        return List.copyOf(events);
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
