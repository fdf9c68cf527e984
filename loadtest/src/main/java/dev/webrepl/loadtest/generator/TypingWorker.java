package dev.webrepl.loadtest.generator;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;

/**
 * {@code typing}: keys at a fixed rate, one at a time, each timed from its send to its echo; after
 * {@code lineLength} keys an Enter (untimed) and the think time once the prompt is back. A key whose
 * echo is late delays the next one, so latencies are recorded with the key interval as the expected
 * interval (coordinated-omission correction).
 */
final class TypingWorker extends GatedWorker {
    private enum State { IDLE, KEY, ENTER }

    private final long interval;
    private final byte[] line;
    private final StringBuilder tail = new StringBuilder();
    private State state = State.IDLE;
    private int position;
    private byte expected;
    private long sentAt;
    private long enterAt;
    private boolean restoring;
    private long due;

    TypingWorker(RunContext ctx, Scenario scenario, InetAddress source, CompletableFuture<Void> gate,
                 LongConsumer whenDrained) {
        super(ctx, scenario, source, gate, whenDrained);
        this.interval = Math.max(1, Math.round(1e9 / ctx.plan().rate()));
        EngineHint hint = ctx.plan().engineHint();
        StringBuilder keys = new StringBuilder(hint.linePrefix());
        for (int i = 0; keys.length() < Math.max(ctx.plan().lineLength(), hint.linePrefix().length() + 1); i++) {
            keys.append((char) ('a' + i % 26));
        }
        this.line = keys.toString().getBytes(StandardCharsets.US_ASCII);
    }

    @Override
    void begin() {
        due = ctx.recorder().now();
        sendKey();
    }

    private synchronized void sendKey() {
        if (!mayContinue()) {
            return;
        }
        expected = line[position];
        state = State.KEY;
        sentAt = ctx.recorder().now();
        sent();
        ctx.recorder().request(scenario, 1);
        connection().send(new byte[] {expected});
    }

    @Override
    void output(byte[] bytes, int from) {
        switch (state) {
            case KEY -> {
                for (int i = from; i < bytes.length; i++) {
                    if (bytes[i] == expected) {
                        echoed(i + 1 < bytes.length ? java.util.Arrays.copyOfRange(bytes, i + 1, bytes.length) : null);
                        return;
                    }
                }
            }
            case ENTER -> {
                tail.append(new String(bytes, from, bytes.length - from, StandardCharsets.ISO_8859_1));
                if (!restoring && tail.indexOf(EngineHint.RESTORED) >= 0) {
                    restoring = true;   // a hibernated JShell session woke for this line
                }
                if (tail.length() > 128) {
                    tail.delete(0, tail.length() - 128);
                }
                if (ctx.plan().engineHint().endsWithPrompt(tail)) {
                    if (restoring) {
                        ctx.recorder().restored(ctx.recorder().now() - enterAt);
                        restoring = false;
                    }
                    state = State.IDLE;
                    position = 0;
                    answered();
                    due = ctx.recorder().now() + ctx.plan().think().toNanos();
                    schedule();
                }
            }
            default -> {
                // IDLE: output nobody asked for (a notice from the server) is only counted
            }
        }
    }

    private void echoed(byte[] rest) {
        long now = ctx.recorder().now();
        ctx.recorder().response(scenario);
        ctx.recorder().latency(now - sentAt, interval);
        state = State.IDLE;
        position++;
        if (position < line.length) {
            answered();
            due += interval;
            schedule();
        } else if (!isStopping()) {
            // The line is complete: Enter, untimed; the answer ends with the prompt.
            state = State.ENTER;
            tail.setLength(0);
            enterAt = ctx.recorder().now();
            sent();
            connection().send(new byte[] {'\r'});
            if (rest != null) {
                output(rest, 0);
            }
        } else {
            answered();
        }
    }

    private void schedule() {
        if (!mayContinue()) {
            return;
        }
        long delay = Math.max(0, due - ctx.recorder().now());
        ctx.scheduler().schedule(this::sendKey, delay, TimeUnit.NANOSECONDS);
    }
}
