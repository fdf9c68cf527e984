package dev.webrepl.dupterm;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxSink;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;

/**
 * The bytes between the terminals and the engine of one session, never more than a bound.
 *
 * <p>An offer is admitted when it fits (or when the queue is empty, so one chunk larger than the bound
 * cannot wedge it); otherwise its {@code Mono} completes only when the engine has taken enough. The
 * transport asks its socket for the next frame only after that, so a flooding client is throttled by
 * TCP. The engine takes chunks from {@link #flux()} as it requests them.
 */
final class InputQueue {
    /** An offer waiting for room; {@code owner} is the terminal it came from (dropped when it leaves). */
    private record Pending(Slot owner, byte[] bytes, Admission admitted) {
    }

    /**
     * A waiting offer's answer, which may come before its {@code Mono} is subscribed (the offer takes
     * its place in the queue when it is made) or after.
     */
    private static final class Admission {
        private MonoSink<Void> sink;
        private boolean done;

        /** Completes the offer's {@code Mono} now, or at its subscription. Once. */
        void success() {
            MonoSink<Void> s;
            synchronized (this) {
                if (done) {
                    return;
                }
                done = true;
                s = sink;
            }
            if (s != null) {
                s.success();
            }
        }

        /** The offer's {@code Mono} is subscribed: answered at once if the answer came already; a cancel withdraws it. */
        void subscribed(MonoSink<Void> s, Runnable withdraw) {
            synchronized (this) {
                if (!done) {
                    sink = s;
                    s.onCancel(withdraw::run);
                    return;
                }
            }
            s.success();
        }
    }

    private final int bound;
    private final ArrayDeque<byte[]> queue = new ArrayDeque<>();
    private final ArrayDeque<Pending> pending = new ArrayDeque<>();
    private final AtomicInteger wip = new AtomicInteger();
    private final InputListener listener;
    private long queued;
    private long maxQueued;
    private FluxSink<byte[]> engine;
    private Runnable cancelled;
    private boolean closed;
    /** While set, nothing is handed to the engine (it is not ready yet); offers are queued as usual. */
    private boolean held;

    /** Told how many bytes are queued whenever that changes (the queued-bytes gauge). */
    interface InputListener {
        void queued(long bytes);
    }

    InputQueue(int bound, InputListener listener) {
        this.bound = bound;
        this.listener = listener;
    }

    /**
     * Queues {@code bytes} from terminal {@code owner} for the engine now, or places them in line for
     * room; the result completes once they are queued (at once if there was room: then it is
     * {@link Mono#empty()}, which costs its subscriber no subscription, issue #19), or dropped (the
     * session ended, {@code owner} left, Ctrl-C). Cancelling a waiting offer withdraws it.
     */
    Mono<Void> offer(Slot owner, byte[] bytes) {
        if (bytes.length == 0) {
            return Mono.empty();
        }
        Pending waiting = null;
        synchronized (this) {
            if (closed || owner.gone()) {
                return Mono.empty();   // nobody will read it, or nobody would see the answer
            }
            if (pending.isEmpty() && fits(bytes.length)) {
                admit(bytes);
            } else {
                waiting = new Pending(owner, bytes, new Admission());
                pending.add(waiting);
            }
        }
        if (waiting == null) {
            drain();
            return Mono.empty();
        }
        Pending withdrawn = waiting;
        return Mono.create(sink -> withdrawn.admitted().subscribed(sink, () -> withdraw(withdrawn)));
    }

    private void withdraw(Pending p) {
        List<Admission> admitted;
        synchronized (this) {
            pending.removeIf(q -> q == p);
            admitted = admitFitting();
        }
        // What waited behind it may fit now.
        admitted.forEach(Admission::success);
        drain();
    }

    /**
     * Terminal {@code owner} is gone (it says so from now on): its waiting offers complete without
     * being queued (nobody would see the answer), so its connection is never held by input the engine
     * cannot take. Checked under the same lock as {@link #offer}, so no later offer of it waits either.
     */
    void drop(Slot owner) {
        List<Admission> dropped = new ArrayList<>();
        List<Admission> admitted;
        synchronized (this) {
            pending.removeIf(p -> {
                if (p.owner() == owner) {
                    dropped.add(p.admitted());
                    return true;
                }
                return false;
            });
            admitted = admitFitting();
        }
        dropped.forEach(Admission::success);
        admitted.forEach(Admission::success);
        drain();
    }

    /** Under this: admits the waiting offers that fit now, in order; their sinks are completed by the caller. */
    private List<Admission> admitFitting() {
        List<Admission> admitted = List.of();  // rarely anything: allocated only when needed
        while (!closed && !pending.isEmpty() && fits(pending.peek().bytes().length)) {
            Pending p = pending.poll();
            admit(p.bytes());
            if (admitted.isEmpty()) {
                admitted = new ArrayList<>(2);
            }
            admitted.add(p.admitted());
        }
        return admitted;
    }

    /** Bytes of offers waiting for room now. */
    synchronized long waitingBytes() {
        long n = 0;
        for (Pending p : pending) {
            n += p.bytes().length;
        }
        return n;
    }

    private boolean fits(int length) {
        return queue.isEmpty() || queued + length <= bound;
    }

    private void admit(byte[] bytes) {
        queue.add(bytes);
        queued += bytes.length;
        maxQueued = Math.max(maxQueued, queued);
        listener.queued(queued);
    }

    /** Holds queued input back from the engine until {@link #release()}; offers still queue, up to the bound. */
    synchronized void hold() {
        held = true;
    }

    /** Hands held input to the engine, in order, as it requests it. */
    void release() {
        synchronized (this) {
            held = false;
        }
        drain();
    }

    /** Ctrl-C: drops every queued and pending chunk (a terminal's interrupt flushes its input). */
    void discard() {
        ArrayDeque<Pending> dropped;
        synchronized (this) {
            queue.clear();
            queued = 0;
            dropped = new ArrayDeque<>(pending);
            pending.clear();
            listener.queued(0);
        }
        for (Pending p : dropped) {
            p.admitted().success();
        }
    }

    /**
     * The engine's input; one subscriber. {@code onCancel} runs when input is about to be handed to an
     * engine that has cancelled it (or whose subscriber threw, which Reactor turns into a cancel):
     * checked after the engine's own error report had its chance, so a real reason wins.
     */
    Flux<byte[]> flux(Runnable onCancel) {
        return Flux.create(sink -> {
            synchronized (this) {
                if (engine != null) {
                    sink.error(new IllegalStateException("the input has one subscriber, the engine"));
                    return;
                }
                engine = sink;
            }
            synchronized (this) {
                cancelled = onCancel;
            }
            sink.onRequest(n -> drain());
            drain();
        });
    }

    /** Hands queued chunks to the engine while it has demand; admits pending offers as room appears. */
    private void drain() {
        if (wip.getAndIncrement() != 0) {
            return;
        }
        do {
            while (true) {
                byte[] next;
                List<Admission> admitted;
                FluxSink<byte[]> sink;
                Runnable onCancel = null;
                synchronized (this) {
                    sink = engine;
                    if (sink != null && !closed && sink.isCancelled() && !queue.isEmpty()) {
                        onCancel = cancelled;
                    }
                }
                if (onCancel != null) {
                    onCancel.run();
                    break;
                }
                synchronized (this) {
                    sink = engine;
                    if (sink == null || closed || held || sink.requestedFromDownstream() == 0 || queue.isEmpty()) {
                        break;
                    }
                    next = queue.poll();
                    queued -= next.length;
                    admitted = admitFitting();
                    listener.queued(queued);
                }
                sink.next(next);
                for (Admission a : admitted) {
                    a.success();
                }
                if (sink.isCancelled()) {
                    Runnable afterNext;
                    synchronized (this) {
                        afterNext = closed ? null : cancelled;
                    }
                    if (afterNext != null) {
                        afterNext.run();
                    }
                    break;
                }
            }
        } while (wip.decrementAndGet() != 0);
    }

    synchronized long queuedBytes() {
        return queued;
    }

    synchronized long maxQueuedBytes() {
        return maxQueued;
    }

    /** The session is over: pending offers complete (their bytes go nowhere), the engine's input ends. */
    void close() {
        ArrayDeque<Pending> dropped;
        FluxSink<byte[]> sink;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            queue.clear();
            queued = 0;
            dropped = new ArrayDeque<>(pending);
            pending.clear();
            sink = engine;
        }
        for (Pending p : dropped) {
            p.admitted().success();
        }
        if (sink != null) {
            sink.complete();
        }
    }
}
