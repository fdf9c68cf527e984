package dev.webrepl.engines.process;

import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.function.Consumer;
import org.reactivestreams.Subscription;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Flux;

/**
 * The thread that writes terminal input to a pty. It requests one chunk at a time and the next only
 * after the write returned, so a child that does not read stalls input back to TCP (DESIGN "Data
 * flow"). Ctrl-C jumps the queue and drops input that was waiting behind it.
 */
final class PtyWriter extends BaseSubscriber<byte[]> {
    private static final byte[] CTRL_C = {0x03};

    /** A write to do; an interrupt carries the input it cancels. */
    private static final class Pending {
        final byte[] bytes;
        final boolean input;
        final List<Pending> cancels;

        Pending(byte[] bytes, boolean input, List<Pending> cancels) {
            this.bytes = bytes;
            this.input = input;
            this.cancels = cancels;
        }
    }

    private final OutputStream pty;
    private final Consumer<IOException> onError;
    private final Thread thread;
    // At most one input chunk (demand is one) plus the interrupts that arrived meanwhile.
    private final LinkedBlockingDeque<Pending> pending = new LinkedBlockingDeque<>();
    private volatile boolean stopped;
    private volatile java.util.function.BooleanSupplier beforeWriting = () -> true;

    PtyWriter(String name, OutputStream pty, Consumer<IOException> onError) {
        this.pty = pty;
        this.onError = onError;
        this.thread = new Thread(this::run, name);
        thread.setDaemon(true);
    }

    void start(Flux<byte[]> input) {
        start(input, () -> true);
    }

    /**
     * Starts the thread, which first runs {@code beforeWriting} (a wait for the child to be ready;
     * false when it was stopped meanwhile), then writes.
     */
    void start(Flux<byte[]> input, java.util.function.BooleanSupplier beforeWriting) {
        this.beforeWriting = beforeWriting;
        thread.start();
        input.subscribe(this);
    }

    /** Whether input or an interrupt waits to be written. */
    boolean hasWork() {
        return !pending.isEmpty();
    }

    /** Whether the writer was asked to stop. */
    boolean stopping() {
        return stopped;
    }

    /** Queues Ctrl-C ahead of waiting input; returns at once (the tty turns it into SIGINT). */
    void interrupt() {
        List<Pending> cancels = new ArrayList<>(1);
        for (Pending p : pending) {
            if (p.input) {
                cancels.add(p);
            }
        }
        pending.offerFirst(new Pending(CTRL_C, false, cancels));
    }

    /** Stops writing and cancels the input subscription; false if the thread is still in a write. */
    /** Whether the writer thread has ended. */
    boolean ended() {
        return !thread.isAlive();
    }

    /** Marks the writer stopping (it writes nothing more once its current write returns). */
    void requestStop() {
        stopped = true;
        thread.interrupt();
    }

    /** Waits up to {@code timeout} for the writer thread to end. */
    void awaitEnd(Duration timeout) throws InterruptedException {
        thread.join(Math.max(1, timeout.toMillis()));
    }

    boolean stop(Duration timeout) throws InterruptedException {
        stopped = true;
        thread.interrupt();
        // A write blocked in the kernel ends when the child dies or the pty is closed.
        thread.join(Math.max(1, timeout.toMillis()));
        dispose();
        return !thread.isAlive();
    }

    @Override
    protected void hookOnSubscribe(Subscription subscription) {
        subscription.request(1);
    }

    @Override
    protected void hookOnNext(byte[] bytes) {
        pending.offerLast(new Pending(bytes, true, List.of()));
    }

    private void run() {
        if (!beforeWriting.getAsBoolean()) {
            return;
        }
        try {
            while (!stopped) {
                Pending p = pending.take();
                // Requests happen only on this thread, so they are serial (Reactive Streams §2.7).
                long more = p.input ? 1 : 0;
                for (Pending c : p.cancels) {
                    if (pending.removeFirstOccurrence(c)) {
                        more++;
                    }
                }
                pty.write(p.bytes);
                pty.flush();
                if (more > 0 && !stopped) {
                    request(more);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            if (!stopped) {
                onError.accept(e);
            }
        }
    }
}
