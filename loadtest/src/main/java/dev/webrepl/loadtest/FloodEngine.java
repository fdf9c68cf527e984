package dev.webrepl.loadtest;

import dev.webrepl.core.engine.EngineContext;
import dev.webrepl.core.engine.EngineOutput;
import dev.webrepl.core.engine.ReplEngine;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import org.reactivestreams.Subscription;
import reactor.core.publisher.BaseSubscriber;

/**
 * A load-test engine that writes output as fast as the terminals take it, with POSIX blocking-write
 * semantics (it waits while every terminal is above the high-water mark), on a thread of its own that
 * {@link #close()} stops. Two forms:
 * <ul>
 * <li>{@link #FloodEngine(long, int)}: on its first input, one flood of a fixed volume and nothing
 *     else (the in-process benchmarks count exactly that volume);</li>
 * <li>{@link #onCommand(int)} ({@code serve --engine flood}): a tiny REPL; it echoes what is typed,
 *     and a line holding a byte count {@code N} makes it write {@code N} bytes, then its prompt
 *     {@value #PROMPT}; Ctrl-C ends a flood early. It writes nothing before the first line, like the
 *     echo engine (the login's {@code >>> } stands for the first prompt), so a client can send its
 *     first command as soon as the session is there and count every prompt as an answer.</li>
 * </ul>
 * Input is taken one chunk at a time, the next only once the chunk's floods are written, so a client
 * that sends commands faster than they run is held back by TCP, not queued here.
 */
public final class FloodEngine implements ReplEngine {
    public static final String PROMPT = "flood> ";
    /** A count beyond this is refused: about 1 TB keeps even a typo from running for days. */
    static final long MAX_COUNT = 1_000_000_000_000L;
    private static final int MAX_LINE = 64;
    private static final byte[] END_OF_INPUT = new byte[0];
    private static final byte[] INTERRUPT = new byte[0];

    private final long total;
    private final int chunk;
    private final byte[] block;
    /** At most one input chunk (demand is 1), one {@link #INTERRUPT} and the {@link #END_OF_INPUT}. */
    private final BlockingQueue<byte[]> inbox = new LinkedBlockingQueue<>();
    private final AtomicBoolean interruptPending = new AtomicBoolean();
    private final StringBuilder line = new StringBuilder();
    private boolean flooded;
    private Thread writer;
    private BaseSubscriber<byte[]> input;

    /** One flood of {@code total} bytes, in writes of {@code chunk} bytes, on the first input. */
    public FloodEngine(long total, int chunk) {
        if (chunk < 80) {
            throw new IllegalArgumentException("chunk must be at least one 80-byte line: " + chunk);
        }
        this.total = total;
        this.chunk = chunk;
        this.block = new byte[chunk];
        Arrays.fill(block, (byte) 'x');
        for (int i = 79; i < block.length; i += 80) {
            block[i - 1] = '\r';
            block[i] = '\n';
        }
    }

    /**
     * The REPL form: each line that is a byte count is answered by that many bytes and a prompt. The
     * output is 80-byte lines of {@code x} ending in CR LF, whole across writes: {@code chunk} is a
     * multiple of 80.
     */
    public static FloodEngine onCommand(int chunk) {
        if (chunk % 80 != 0) {
            throw new IllegalArgumentException("chunk must be a multiple of the 80-byte line: " + chunk);
        }
        return new FloodEngine(-1, chunk);
    }

    private boolean onCommand() {
        return total < 0;
    }

    @Override
    public String kind() {
        return "flood";
    }

    @Override
    public synchronized void start(EngineContext context) {
        EngineOutput out = context.output();
        writer = new Thread(() -> {
            try {
                boolean owed = false;  // a chunk was taken during Ctrl-C: the next is asked for after its ^C
                for (byte[] in = inbox.take(); in != END_OF_INPUT; in = inbox.take()) {
                    if (in == INTERRUPT) {
                        interruptPending.set(false);
                        line.setLength(0);
                        out.writeBlocking(("^C\r\n" + PROMPT).getBytes(StandardCharsets.US_ASCII));
                    } else {
                        take(in, out);
                        owed = true;
                    }
                    if (owed && !interruptPending.get()) {
                        owed = false;
                        input.request(1);
                    }
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
                inbox.add(bytes);
            }

            @Override
            protected void hookFinally(reactor.core.publisher.SignalType type) {
                inbox.offer(END_OF_INPUT);
            }
        };
        writer.start();
        context.input().subscribe(input);
    }

    /** One chunk of input, on the writer thread. */
    private void take(byte[] in, EngineOutput out) throws InterruptedException {
        if (!onCommand()) {
            if (!flooded) {
                flooded = true;
                flood(total, out);
            }
            return;
        }
        for (byte b : in) {
            if (interruptPending.get()) {
                return;  // Ctrl-C: the rest of the chunk is dropped, as the session drops queued input
            }
            if (b == '\r' || b == '\n') {
                if (b == '\n' && line.length() == 0) {
                    continue;  // the \n of a \r\n
                }
                out.writeBlocking(new byte[] {'\r', '\n'});
                answer(line.toString().trim(), out);
                line.setLength(0);
            } else if (line.length() < MAX_LINE && b >= ' ' && b < 0x7f) {
                line.append((char) b);
                out.writeBlocking(new byte[] {b});
            }
        }
    }

    private void answer(String command, EngineOutput out) throws InterruptedException {
        if (!command.isEmpty()) {
            long n;
            try {
                n = Long.parseLong(command);
            } catch (NumberFormatException e) {
                n = -1;
            }
            if (n < 0 || n > MAX_COUNT) {
                out.writeBlocking(("flood: type a byte count from 0 to " + MAX_COUNT + " for that much output, not "
                        + command + "\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
            } else if (flood(n, out)) {
                out.writeBlocking(new byte[] {'\r', '\n'});
            } else {
                return;  // interrupted: the interrupt writes ^C and the prompt
            }
        }
        out.writeBlocking(PROMPT.getBytes(StandardCharsets.US_ASCII));
    }

    /** Writes {@code bytes} bytes; false if Ctrl-C stopped it first. */
    private boolean flood(long bytes, EngineOutput out) throws InterruptedException {
        for (long left = bytes; left > 0; left -= chunk) {
            if (interruptPending.get()) {
                return false;
            }
            out.writeBlocking(left >= chunk ? block : Arrays.copyOf(block, (int) left));
        }
        return true;
    }

    /**
     * Ctrl-C (the session has already dropped it from the input): ends a flood, or the line being
     * typed, with {@code ^C} and a new prompt. Repeated Ctrl-C before that is written count once. The
     * fixed-volume form runs to its end: a benchmark measures the whole volume.
     */
    @Override
    public void interrupt() {
        if (onCommand() && interruptPending.compareAndSet(false, true)) {
            inbox.add(INTERRUPT);
        }
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
