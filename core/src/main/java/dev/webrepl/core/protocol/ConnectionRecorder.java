package dev.webrepl.core.protocol;

import dev.webrepl.core.files.FileStatus;
import java.time.Duration;

/**
 * What WebREPL connections report as it happens; metrics implement it (DESIGN: metrics attach
 * through recorder interfaces). Called on I/O and worker threads: implementations must be quick
 * and must not block.
 */
public interface ConnectionRecorder extends TransferListener {
    ConnectionRecorder NONE = new ConnectionRecorder() {
    };

    /** The two channels of a connection: text frames carry the terminal, binary frames the files (spec §3, §4). */
    enum Channel { TERMINAL, FILE }

    /** A data frame with {@code payloadBytes} bytes arrived on {@code channel}. */
    default void frameReceived(Channel channel, int payloadBytes) {
    }

    /** A data frame with {@code payloadBytes} bytes was written on {@code channel}. */
    default void frameSent(Channel channel, int payloadBytes) {
    }

    /** A password was accepted. */
    default void loginSucceeded() {
    }

    /** A password was refused. */
    default void loginFailed() {
    }

    /** An address was locked out after repeated failures. */
    default void lockedOut() {
    }

    /**
     * A connection was refused or closed by a limit before or instead of a session: {@code reason}
     * is one of a few fixed words (origin, handshake-timeout, header-too-large, login-timeout,
     * locked-out, per-address-limit, outbound-limit).
     */
    default void refused(String reason) {
    }

    /** A connection stopped being read because its client had not taken the replies queued for it. */
    default void readingPaused() {
    }

    /** A connection ended; at most {@code bytes} were ever queued for it at once (reply queue and socket buffer). */
    default void outboundPeak(long bytes) {
    }

    /**
     * Keystroke to echo on the server: from a terminal input frame's arrival to the first output
     * byte written to the same terminal after it.
     */
    default void keystrokeEchoed(long nanos) {
    }

    @Override
    default void transferEnded(Kind kind, String detail, long bytes, FileStatus status, Duration took) {
    }
}
