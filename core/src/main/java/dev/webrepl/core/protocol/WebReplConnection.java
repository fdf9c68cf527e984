package dev.webrepl.core.protocol;

import dev.webrepl.core.engine.TerminalOutput;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.function.Consumer;
import java.util.function.Function;

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
    }

    /** The terminal side of a session, opened at login. */
    public interface Terminal {
        void input(byte[] bytes);

        /** The client is gone; the terminal detaches. */
        void close();
    }

    /** Opens the session terminal at login; its output must go to the given sink. */
    @FunctionalInterface
    public interface TerminalOpener {
        Terminal open(TerminalOutput toClient);
    }

    private enum State { PASSWORD, OPEN, CLOSED }

    private final PasswordCheck password;
    private final TerminalOpener opener;
    private final Function<Consumer<byte[]>, FileTransferChannel> fileChannels;
    private final Wire wire;
    private final ByteArrayOutputStream entry = new ByteArrayOutputStream();
    private boolean entryTooLong;
    private State state = State.PASSWORD;
    private Opcode lastDataType = Opcode.BINARY;
    private Terminal terminal;
    private FileTransferChannel files;
    private Utf8TextFramer framer;

    public WebReplConnection(PasswordCheck password, TerminalOpener opener,
                             Function<Consumer<byte[]>, FileTransferChannel> fileChannels, Wire wire) {
        this.password = password;
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

    /** One data frame's payload. */
    public void onFrame(Opcode opcode, byte[] payload) {
        Opcode type = opcode == Opcode.CONTINUATION ? lastDataType : opcode;
        lastDataType = type;
        int off = 0;
        if (state == State.PASSWORD) {
            // Any data frame type carries the password: webrepl_cli sends it in a binary frame (§2).
            off = readPassword(payload);
        }
        if (state != State.OPEN || off >= payload.length) {
            return;
        }
        byte[] rest = off == 0 ? payload : Arrays.copyOfRange(payload, off, payload.length);
        if (type == Opcode.TEXT) {
            terminal.input(rest);
        } else {
            files.feed(rest, 0, rest.length);
        }
    }

    private int readPassword(byte[] payload) {
        for (int i = 0; i < payload.length; i++) {
            byte b = payload[i];
            if (b == '\r' || b == '\n') {
                login(!entryTooLong && password.matches(entry.toByteArray()));
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

    private void login(boolean ok) {
        entry.reset();
        if (!ok) {
            state = State.CLOSED;
            wire.text(DENIED.clone());
            wire.closeWithoutFrame();
            return;
        }
        wire.text(CONNECTED.clone());
        files = fileChannels.apply(wire::binary);
        framer = new Utf8TextFramer(wire::text);
        terminal = opener.open(framer::write);
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
