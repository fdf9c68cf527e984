package dev.webrepl.core.protocol;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import dev.webrepl.core.users.User;
import java.util.Arrays;
import java.util.Optional;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.function.Function;
import reactor.core.publisher.Mono;

/**
 * One WebREPL connection after the WebSocket handshake: the password stage, then the terminal
 * (text frames) and the file channel (binary frames) side by side (spec §2, §3, §4).
 *
 * <p>Pure: frames in, {@link Wire} calls out, no I/O of its own. Calls must not overlap; the owner
 * serialises them.
 */
public final class WebReplConnection {
    static final byte[] PROMPT = "Password: ".getBytes(StandardCharsets.US_ASCII);
    static final byte[] CONNECTED = "\r\nWebREPL connected\r\n>>> ".getBytes(StandardCharsets.US_ASCII);
    static final byte[] DENIED = "\r\nAccess denied\r\n".getBytes(StandardCharsets.US_ASCII);
    /** Entries longer than this are read to their end but can never match. */
    static final int MAX_PASSWORD_ENTRY = 1024;

    /** What the connection sends. */
    public interface Wire {
        void text(byte[] payload);

        void binary(byte[] payload);

        /** Ends the TCP connection with no close frame, as the reference does after a wrong password (§2). */
        void closeWithoutFrame();

        /**
         * A wrong password: sends {@code answer} and ends without a close frame (§2). A transport
         * may delay this (brute-force throttling) without blocking its thread.
         */
        default void denied(byte[] answer) {
            text(answer);
            closeWithoutFrame();
        }

        /** Sends a close frame with {@code code} and {@code reason} after what was sent before, then ends. */
        void close(int code, String reason);
    }

    /** The terminal side of a session, opened at login; its output reaches the client by other means. */
    public interface Terminal {
        /**
         * Input from text frame number {@code seq} of this connection (text frames counted from 0,
         * password stage included). Completes when the session has taken it: until then the
         * connection reads nothing more (bounded input, DESIGN "Data flow").
         */
        Mono<Void> input(long seq, byte[] bytes);

        /** The client is gone; the terminal detaches. */
        void close();
    }

    /** Opens the session terminal at login. */
    @FunctionalInterface
    public interface TerminalOpener {
        Terminal open() throws TerminalRefusedException;
    }

    /**
     * Who a password entry logs in as: {@link User#SHARED} for a single-password server, a named user
     * with a users file (DESIGN "Tenancy"); empty for a wrong entry.
     */
    @FunctionalInterface
    public interface Login {
        Optional<User> check(byte[] entry);

        /** The single-password check: a right entry is {@link User#SHARED}. */
        static Login of(PasswordCheck password) {
            return entry -> password.matches(entry) ? Optional.of(User.SHARED) : Optional.empty();
        }
    }

    /** Opens the session terminal for the user who logged in. */
    @FunctionalInterface
    public interface UserTerminalOpener {
        Terminal open(User user) throws TerminalRefusedException;
    }

    private enum State { PASSWORD, OPEN, CLOSED }

    private final Login password;
    private final UserTerminalOpener opener;
    private final BiFunction<User, Consumer<byte[]>, FileTransferChannel> fileChannels;
    private final Wire wire;
    private final ConnectionRecorder recorder;
    private final ByteArrayOutputStream entry = new ByteArrayOutputStream();
    private boolean entryTooLong;
    private State state = State.PASSWORD;
    private Opcode lastDataType = Opcode.BINARY;
    private Terminal terminal;
    private FileTransferChannel files;
    private long textFrames;

    public WebReplConnection(PasswordCheck password, TerminalOpener opener,
                             Function<Consumer<byte[]>, FileTransferChannel> fileChannels, Wire wire) {
        this(password, opener, fileChannels, wire, ConnectionRecorder.NONE);
    }

    /** As above; {@code recorder} is told of every login attempt. */
    public WebReplConnection(PasswordCheck password, TerminalOpener opener,
                             Function<Consumer<byte[]>, FileTransferChannel> fileChannels, Wire wire,
                             ConnectionRecorder recorder) {
        this(Login.of(password), user -> opener.open(), (user, replies) -> fileChannels.apply(replies), wire, recorder);
    }

    /**
     * A connection whose login names a user (DESIGN "Tenancy"): the terminal and the file channel
     * are opened for that user.
     */
    public WebReplConnection(Login login, UserTerminalOpener opener,
                             BiFunction<User, Consumer<byte[]>, FileTransferChannel> fileChannels, Wire wire,
                             ConnectionRecorder recorder) {
        this.recorder = recorder;
        this.password = login;
        this.opener = opener;
        this.fileChannels = fileChannels;
        this.wire = wire;
    }

    /** Sends the password prompt; call once, right after the handshake. */
    public void start() {
        wire.text(PROMPT.clone());
    }

    /** Whether the password stage has passed. */
    public boolean loggedIn() {
        return state == State.OPEN;
    }

    /**
     * One data frame's payload. The result completes when the frame has been taken: at once, except
     * for terminal input, which waits for room in the session's input queue.
     */
    public Mono<Void> onFrame(Opcode opcode, byte[] payload) {
        Opcode type = opcode == Opcode.CONTINUATION ? lastDataType : opcode;
        lastDataType = type;
        long seq = type == Opcode.TEXT ? textFrames++ : -1;
        int off = 0;
        if (state == State.PASSWORD) {
            // Any data frame type carries the password: webrepl_cli sends it in a binary frame (§2).
            off = readPassword(payload);
        }
        if (state != State.OPEN || off >= payload.length) {
            return Mono.empty();
        }
        byte[] rest = off == 0 ? payload : Arrays.copyOfRange(payload, off, payload.length);
        if (type == Opcode.TEXT) {
            return terminal.input(seq, rest);
        }
        files.feed(rest, 0, rest.length);
        return Mono.empty();
    }

    private int readPassword(byte[] payload) {
        for (int i = 0; i < payload.length; i++) {
            byte b = payload[i];
            if (b == '\r' || b == '\n') {
                byte[] typed = entry.toByteArray();
                try {
                    login(entryTooLong ? Optional.empty() : password.check(typed));
                } finally {
                    Arrays.fill(typed, (byte) 0);
                }
                return i + 1;
            }
            if (entry.size() < MAX_PASSWORD_ENTRY) {
                entry.write(b);
            } else {
                entryTooLong = true;
            }
        }
        return payload.length;
    }

    private void login(Optional<User> user) {
        entry.reset();
        if (user.isEmpty()) {
            recorder.loginFailed();
            state = State.CLOSED;
            wire.denied(DENIED.clone());
            return;
        }
        recorder.loginSucceeded();
        wire.text(CONNECTED.clone());
        Terminal opened;
        try {
            opened = opener.open(user.get());
        } catch (TerminalRefusedException e) {
            state = State.CLOSED;
            wire.text(("\r\n" + e.getMessage() + "\r\n").getBytes(StandardCharsets.UTF_8));
            wire.close(e.closeCode(), e.getMessage());
            return;
        }
        files = fileChannels.apply(user.get(), wire::binary);
        terminal = opened;
        // Only now: if opening the terminal throws, close() must not find OPEN with no terminal.
        state = State.OPEN;
    }

    /** The peer is gone or the connection is closing: releases the terminal and any transfer. */
    public void close() {
        if (state == State.OPEN) {
            terminal.close();
            files.close();
        }
        state = State.CLOSED;
    }
}
