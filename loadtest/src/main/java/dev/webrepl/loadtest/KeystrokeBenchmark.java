package dev.webrepl.loadtest;

import dev.webrepl.transport.client.ReplConnection;
import dev.webrepl.transport.client.WebReplClient;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.HdrHistogram.Histogram;

/**
 * Keystroke-to-echo latency as a client sees it, against a server whose sessions run the echo
 * engine (a line discipline in front of an echo): each session sends one letter in a text frame,
 * waits for its echo, then sends the next. Every {@value #LINE_KEYS} keys an Enter clears the line
 * (untimed), so lines stay short. Several sessions type at once, each on its own connection.
 *
 * <p>Each session's loop runs in its output callback, on the client's event loop, so the time
 * recorded is send to echo with no thread hand-off on the client side. Loopback only.
 */
public final class KeystrokeBenchmark {
    /** Keys typed on one line before an untimed Enter. */
    static final int LINE_KEYS = 64;

    /**
     * The timed round trips of all sessions in nanoseconds, and how long typing took from the first
     * session's first key to the last session's last echo (warm-up keys included).
     */
    public record Result(Histogram latencies, long keys, Duration elapsed) {
        /** All sessions' keys, warm-up included, per second of typing: what the server sustained. */
        public double keysPerSecond() {
            return keys / (elapsed.toNanos() / 1e9);
        }
    }

    private KeystrokeBenchmark() {
    }

    /**
     * Opens {@code sessions} sessions, waits until every one has its banner, then lets them all type
     * {@code warmup} untimed keys and {@code keys} timed ones. Every connection is closed before it
     * returns.
     */
    public static Result run(WebReplClient client, int port, String password, int sessions, int warmup, int keys,
                                Duration timeout) throws IOException {
        if (sessions < 1 || warmup < 0 || keys < 1) {
            throw new IllegalArgumentException("need sessions >= 1, warmup >= 0, keys >= 1");
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        List<Typist> typists = new ArrayList<>();
        try {
            for (int i = 0; i < sessions; i++) {
                ReplConnection c = FanoutBenchmark.await(client.connect("127.0.0.1", port, password), left(deadline));
                Typist t = new Typist(c, warmup, keys);
                typists.add(t);
                c.output().subscribe(t::output, t.done::completeExceptionally,
                        () -> t.done.completeExceptionally(new IOException("connection closed while typing")));
            }
            for (Typist t : typists) {
                FanoutBenchmark.await(t.ready, left(deadline));
            }
            long start = System.nanoTime();
            for (Typist t : typists) {
                t.start();
            }
            Histogram all = new Histogram(3);
            long end = start;
            for (Typist t : typists) {
                all.add(FanoutBenchmark.await(t.done, left(deadline)));
                end = Math.max(end, t.finishedAt);
            }
            return new Result(all, (long) sessions * (warmup + keys), Duration.ofNanos(end - start));
        } finally {
            for (Typist t : typists) {
                t.connection.close();
            }
        }
    }

    private static Duration left(long deadline) throws IOException {
        long n = deadline - System.nanoTime();
        if (n <= 0) {
            throw new IOException("keystroke benchmark did not finish in time");
        }
        return Duration.ofNanos(n);
    }

    /**
     * One typing session. {@link #output} runs on the connection's event loop; {@link #start} once,
     * from the caller, after {@link #ready}: its writes reach the event loop through the channel's
     * task queue, before any output they cause.
     */
    private static final class Typist {
        private enum State { BANNER, READY, KEY, ENTER, DONE }

        final ReplConnection connection;
        final CompletableFuture<Void> ready = new CompletableFuture<>();
        final CompletableFuture<Histogram> done = new CompletableFuture<>();
        private final int warmup;
        private final int total;
        private final Histogram latencies = new Histogram(3);
        /** Output since the banner started or the last Enter, to find the session line or the prompt. */
        private final StringBuilder text = new StringBuilder();
        private State state = State.BANNER;
        private int typed;
        private byte expected;
        private long sentAt;
        /** When the last echo came; read after {@link #done} completes. */
        long finishedAt;

        Typist(ReplConnection connection, int warmup, int keys) {
            this.connection = connection;
            this.warmup = warmup;
            this.total = warmup + keys;
        }

        void start() {
            if (state != State.READY) {
                throw new IllegalStateException("not ready: " + state);
            }
            sendKey();
        }

        void output(byte[] bytes) {
            switch (state) {
                case BANNER -> {
                    text.append(new String(bytes, StandardCharsets.ISO_8859_1));
                    int at = text.indexOf("/session/");
                    if (at >= 0 && text.indexOf("\r\n", at) >= 0) {
                        state = State.READY;  // no prompt follows the session line (the banner ended in one)
                        ready.complete(null);
                    }
                }
                case KEY -> {
                    // The echo of a letter at the end of a line is that letter; nothing else is pending.
                    for (byte b : bytes) {
                        if (b == expected) {
                            long took = System.nanoTime() - sentAt;
                            if (++typed > warmup) {
                                latencies.recordValue(took);
                            }
                            next();
                            return;
                        }
                    }
                }
                case ENTER -> {
                    // Enter answers "\r\n" + line + "\r\n>>> "; the line holds letters only, so the
                    // first output ending in the prompt is the whole answer.
                    text.append(new String(bytes, StandardCharsets.ISO_8859_1));
                    if (text.length() >= 4 && text.lastIndexOf(">>> ") == text.length() - 4) {
                        sendKey();
                    }
                }
                default -> {
                    // READY: nothing is sent yet; DONE: late output is not ours to judge
                }
            }
        }

        private void next() {
            if (typed == total) {
                state = State.DONE;
                finishedAt = System.nanoTime();
                done.complete(latencies);
            } else if (typed % LINE_KEYS == 0) {
                state = State.ENTER;
                text.setLength(0);
                connection.send(new byte[] {'\r'});
            } else {
                sendKey();
            }
        }

        private void sendKey() {
            expected = (byte) ('a' + typed % 26);
            state = State.KEY;
            sentAt = System.nanoTime();
            connection.send(new byte[] {expected}).whenComplete((v, e) -> {
                if (e != null) {
                    done.completeExceptionally(e);
                }
            });
        }
    }
}
