package dev.webrepl.core.audit;

import dev.webrepl.core.engine.TerminalSize;

/**
 * One session's terminal as it happens: its output as every terminal gets it, the input its
 * terminals send, resizes and the end; recordings and the audit log implement it. Called on the
 * session's threads, output under the session's lock: implementations must be quick and must
 * never block (queue, and drop when full).
 */
public interface SessionTap {
    SessionTap NONE = new SessionTap() {
    };

    /**
     * Output, exactly as the session's terminals receive it: whole valid UTF-8 (an incomplete
     * character waits for its continuation, invalid bytes are U+FFFD), at most 65535 bytes. The
     * array must not be changed (it may be the one the terminals send).
     */
    default void output(byte[] utf8) {
    }

    /** Input from a read-write terminal, as it arrived (any bytes, characters possibly split). */
    default void input(byte[] bytes) {
    }

    /** The terminal was resized. */
    default void resized(TerminalSize size) {
    }

    /** The session ended; {@code reason} is one of SessionRecorder#sessionEnded's words. Called once, last. */
    default void ended(String reason) {
    }

    /** Both taps, {@code first} told first. */
    static SessionTap both(SessionTap first, SessionTap second) {
        if (first == NONE) {
            return second;
        }
        if (second == NONE) {
            return first;
        }
        return new SessionTap() {
            @Override
            public void output(byte[] utf8) {
                first.output(utf8);
                second.output(utf8);
            }

            @Override
            public void input(byte[] bytes) {
                first.input(bytes);
                second.input(bytes);
            }

            @Override
            public void resized(TerminalSize size) {
                first.resized(size);
                second.resized(size);
            }

            @Override
            public void ended(String reason) {
                first.ended(reason);
                second.ended(reason);
            }
        };
    }
}
