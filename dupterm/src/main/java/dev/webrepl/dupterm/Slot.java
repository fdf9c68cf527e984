package dev.webrepl.dupterm;

import dev.webrepl.core.users.User;
import java.util.function.Consumer;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * One terminal attached to a session (a dupterm slot). The transport feeds its input with
 * {@link #offer(long, byte[])}, reports Ctrl-C with {@link #interrupt(long)} as soon as it is read,
 * takes output with {@link #poll()} at the client's pace, and calls {@link #leave(String, String)}
 * when the client is gone.
 */
public final class Slot {
    private static final byte CTRL_C = 0x03;

    private final Session session;
    private final int number;
    private final TerminalMode mode;
    private final SlotPort port;
    private final OutputBuffer output = new OutputBuffer();
    private final Scheduler.Worker callbacks;
    private volatile long interruptSeq = -1;
    private volatile Consumer<Slot> dataAvailable;
    /** Set once the slot is no longer in its session: its input is dropped from then on. */
    private volatile boolean gone;

    /** The share token this terminal came through, or null (its owner, an admin, or no users file). */
    private final String share;
    /** Who attached it, as they logged in; null when the embedding API attached it without a user. */
    private final User user;

    Slot(Session session, int number, TerminalMode mode, SlotPort port, Scheduler.Worker callbacks, String share,
         User user) {
        this.share = share;
        this.user = user;
        this.session = session;
        this.number = number;
        this.mode = mode;
        this.port = port;
        this.callbacks = callbacks;
    }

    public Session session() {
        return session;
    }

    /** The slot's number in its session, shown in deactivation lines. */
    public int number() {
        return number;
    }

    public TerminalMode mode() {
        return mode;
    }

    /** The share token this terminal came through; null if it came otherwise. */
    public String share() {
        return share;
    }

    /** Who attached this terminal, as they logged in; null if it was attached without a user. */
    public User user() {
        return user;
    }

    /**
     * Terminal input: the payload of text frame number {@code seq} of this connection. Completes when
     * the session has queued it for the engine, which may take until the engine has read earlier
     * input. A viewer's input is ignored. Input from a frame before the last interrupt is dropped, and
     * in the interrupting frame only what follows the last Ctrl-C is kept. Once the slot has left, its
     * input (waiting or new) is dropped and the offer completes at once.
     */
    public Mono<Void> offer(long seq, byte[] bytes) {
        if (mode == TerminalMode.VIEW || seq < interruptSeq || gone) {
            return Mono.empty();
        }
        byte[] input = bytes;
        if (seq == interruptSeq) {
            int last = lastIndexOf(bytes, CTRL_C);
            if (last >= 0) {
                input = java.util.Arrays.copyOfRange(bytes, last + 1, bytes.length);
            }
        }
        Consumer<Slot> cb = dataAvailable;
        if (cb != null && input.length > 0) {
            callbacks.schedule(() -> cb.accept(this));
        }
        return session.offer(this, input);
    }

    /**
     * Ctrl-C in text frame {@code seq}, seen as the frame was read (before earlier frames reached the
     * engine): queued input is discarded and the engine is interrupted at once. Ignored for viewers.
     */
    public void interrupt(long seq) {
        if (mode == TerminalMode.VIEW) {
            return;
        }
        interruptSeq = Math.max(interruptSeq, seq);
        session.interrupt();
    }

    /** The client's terminal is now {@code columns} x {@code rows}; viewers cannot resize. */
    public void resize(int columns, int rows) {
        if (mode == TerminalMode.READ_WRITE) {
            session.resize(columns, rows);
        }
    }

    /** The next output frame payload (valid UTF-8, at most 65535 bytes), or null if none is waiting. */
    public byte[] poll() {
        byte[] f = output.poll();
        if (f != null) {
            session.drained(this);
        }
        return f;
    }

    /** Output bytes waiting for this client. */
    public long backlog() {
        return output.bytes();
    }

    /** The client is gone or closing ({@code cause}: peer-gone, write-error, closed): the slot is cleared. */
    public void leave(String cause, String reason) {
        session.deactivate(this, cause, reason, false);
    }

    /**
     * The embedding API's data-available callback slot (one per terminal): {@code callback} runs, off the
     * I/O thread and never twice at once for this terminal, whenever input from it arrives. Setting
     * replaces the previous callback; {@code null} clears it.
     */
    public void setDataAvailableCallback(Consumer<Slot> callback) {
        dataAvailable = callback;
    }

    /** Whether the slot has left its session (or the session ended). */
    boolean gone() {
        return gone;
    }

    void markGone() {
        gone = true;
    }

    void deliver(byte[] frame) {
        output.add(frame);
        port.outputAvailable();
    }

    /** A slow consumer is cut off: what it did not read is dropped. */
    void discardOutput() {
        output.clear();
    }

    void close(int code, String reason) {
        port.close(code, reason);
    }

    void disposeCallbacks() {
        callbacks.schedule(((Disposable) callbacks)::dispose);
    }

    private static int lastIndexOf(byte[] bytes, byte b) {
        for (int i = bytes.length - 1; i >= 0; i--) {
            if (bytes[i] == b) {
                return i;
            }
        }
        return -1;
    }
}
