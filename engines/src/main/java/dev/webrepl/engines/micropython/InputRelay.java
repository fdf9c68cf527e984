package dev.webrepl.engines.micropython;

import java.util.ArrayDeque;
import org.reactivestreams.Publisher;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Flux;

/**
 * The session's input, subscribed once for the whole session and lent to one MicroPython child after
 * another. A session ends when its engine cancels its input (it could never be talked to again), so a
 * child's end must not cancel it: each child gets a view whose demand is passed upstream and whose
 * cancel only detaches it. A chunk that arrives between two children (requested by the one that
 * ended) waits for the next; at most what was requested is ever held.
 */
final class InputRelay extends BaseSubscriber<byte[]> {
    private final Object lock = new Object();
    private final ArrayDeque<byte[]> held = new ArrayDeque<>();
    private View current;
    /** Requested upstream and not yet received. */
    private long outstanding;
    private boolean subscribed;
    private long wantedBeforeSubscribe;

    void start(Flux<byte[]> sessionInput) {
        sessionInput.subscribe(this);
    }

    /**
     * The input of the next child: {@code first} (if not null) is delivered before any session input.
     * Detaches the previous view, if any.
     */
    View next(byte[] first) {
        View v = new View(first);
        synchronized (lock) {
            current = v;
        }
        return v;
    }

    @Override
    protected void hookOnError(Throwable error) {
        // The session's input ends only when the session does; it closes the engine itself.
    }

    @Override
    protected void hookOnSubscribe(Subscription subscription) {
        long n;
        synchronized (lock) {
            subscribed = true;
            n = wantedBeforeSubscribe;
            wantedBeforeSubscribe = 0;
        }
        if (n > 0) {
            subscription.request(n);
        }
    }

    @Override
    protected void hookOnNext(byte[] bytes) {
        synchronized (lock) {
            outstanding--;
            held.addLast(bytes);
            drain();
        }
    }

    /** Under the lock: hands held chunks to the current view while it has demand. */
    private void drain() {
        View v = current;
        if (v == null || v.subscriber == null) {
            return;
        }
        while (v.demand > 0 && !v.cancelled) {
            byte[] b;
            if (v.first != null) {
                b = v.first;
                v.first = null;
            } else {
                b = held.pollFirst();
                if (b == null) {
                    break;
                }
                v.hadInput = true;
            }
            v.demand--;
            v.subscriber.onNext(b);
        }
    }

    /** Under the lock: asks upstream for what the current view wants beyond what is held or on its way. */
    private long upstreamWant() {
        View v = current;
        if (v == null || v.cancelled) {
            return 0;
        }
        long want = v.demand - (v.first != null ? 1 : 0) - held.size() - outstanding;
        if (want <= 0) {
            return 0;
        }
        outstanding += want;
        if (!subscribed) {
            wantedBeforeSubscribe += want;
            return 0;
        }
        return want;
    }

    /** One child's input; its cancel detaches it from the session input without cancelling that. */
    final class View implements Publisher<byte[]>, Subscription {
        private byte[] first;
        private Subscriber<? super byte[]> subscriber;
        private long demand;
        private boolean cancelled;
        private boolean hadInput;

        View(byte[] first) {
            this.first = first;
        }

        Flux<byte[]> flux() {
            return Flux.from(this);
        }

        /** Whether this view delivered session input (its {@code first} not counted). */
        boolean hadInput() {
            synchronized (lock) {
                return hadInput;
            }
        }

        @Override
        public void subscribe(Subscriber<? super byte[]> s) {
            synchronized (lock) {
                if (subscriber != null) {
                    throw new IllegalStateException("a child's input is subscribed once");
                }
                subscriber = s;
            }
            s.onSubscribe(this);
        }

        @Override
        public void request(long n) {
            if (n <= 0) {
                return;
            }
            long want;
            synchronized (lock) {
                demand = demand + n < 0 ? Long.MAX_VALUE : demand + n;
                if (current != this) {
                    return;
                }
                drain();
                want = upstreamWant();
            }
            if (want > 0) {
                InputRelay.this.request(want);
            }
        }

        @Override
        public void cancel() {
            synchronized (lock) {
                cancelled = true;
                if (current == this) {
                    current = null;
                }
            }
        }
    }
}
