package dev.webrepl.loadtest;

import dev.webrepl.core.engine.EngineContext;
import dev.webrepl.core.engine.ReplEngine;
import java.util.Arrays;
import org.reactivestreams.Subscription;
import reactor.core.publisher.BaseSubscriber;

/**
 * A load-test engine: on its first input it writes {@code total} bytes of output as fast as the
 * terminals take them, with POSIX blocking-write semantics (it waits while every terminal is above
 * the high-water mark), on a thread of its own that {@link #close()} stops.
 */
public final class FloodEngine implements ReplEngine {
    private final long total;
    private final int chunk;
    private Thread writer;
    private BaseSubscriber<byte[]> input;

    public FloodEngine(long total, int chunk) {
        this.total = total;
        this.chunk = chunk;
    }

    @Override
    public synchronized void start(EngineContext context) {
        byte[] block = new byte[chunk];
        Arrays.fill(block, (byte) 'x');
        for (int i = 79; i < block.length; i += 80) {
            block[i - 1] = '\r';
            block[i] = '\n';
        }
        writer = new Thread(() -> {
            try {
                for (long left = total; left > 0; left -= chunk) {
                    context.output().writeBlocking(left >= chunk ? block : Arrays.copyOf(block, (int) left));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "flood-" + context.sessionId());
        writer.setDaemon(true);
        input = new BaseSubscriber<>() {
            @Override
            protected void hookOnSubscribe(Subscription s) {
                request(1);
            }

            @Override
            protected void hookOnNext(byte[] bytes) {
                startWriting();
                request(1);
            }
        };
        context.input().subscribe(input);
    }

    private synchronized void startWriting() {
        if (writer != null && writer.getState() == Thread.State.NEW) {
            writer.start();
        }
    }

    @Override
    public void interrupt() {
        // The flood runs to its end: a benchmark measures the whole volume.
    }

    @Override
    public synchronized void close() {
        if (writer != null) {
            writer.interrupt();
        }
        if (input != null) {
            input.dispose();
        }
    }
}
