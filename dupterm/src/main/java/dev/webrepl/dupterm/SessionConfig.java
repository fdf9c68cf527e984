package dev.webrepl.dupterm;

import java.nio.file.Path;
import java.time.Duration;

/**
 * Limits and timings of the sessions of one server (README "Sessions"). Immutable.
 *
 * @param inputQueueBytes  input bytes queued per session between the sockets and the engine; a
 *                         client sending more is held back by TCP
 * @param outputHighWater  per-terminal backlog above which, on every terminal, the producer pauses
 *                         and non-blocking writes would block
 * @param outputLowWater   per-terminal backlog below which a paused producer resumes
 * @param outputHardCap    per-terminal backlog past which the terminal is deactivated (slow consumer)
 * @param scrollbackBytes  recent output replayed to a terminal that attaches
 * @param linger           how long a session with terminal activity outlives its last terminal (0: not at all)
 * @param idleTimeout      a session without input or output for this long ends (0: never)
 * @param maxSessions      sessions per server
 * @param maxTerminals     terminals per session
 * @param workingDirectory where engines work (the server's file root)
 * @param readyTimeout     how long a session holds input (Ctrl-C included) for an engine that says when it
 *                         is ready to take it ({@link dev.webrepl.core.engine.ReplEngine#reportsReady()});
 *                         after that the input is delivered anyway
 * @param timeLimit        a session ends this long after it was opened, with the reason in its terminals
 *                         (0: never; README "Sandbox and limits")
 */
public record SessionConfig(int inputQueueBytes, long outputHighWater, long outputLowWater, long outputHardCap,
                            int scrollbackBytes, Duration linger, Duration idleTimeout, int maxSessions,
                            int maxTerminals, Path workingDirectory, Duration readyTimeout, Duration timeLimit) {
    public static final SessionConfig DEFAULTS = new SessionConfig(64 * 1024, 256 * 1024, 64 * 1024,
            4 * 1024 * 1024, 64 * 1024, Duration.ofSeconds(60), Duration.ofHours(1), 1000, 32,
            Path.of("").toAbsolutePath(), Duration.ofSeconds(5), Duration.ZERO);

    public SessionConfig {
        if (inputQueueBytes < 1 || outputLowWater < 0 || outputHighWater < outputLowWater
                || outputHardCap < outputHighWater || scrollbackBytes < 0 || maxSessions < 1 || maxTerminals < 1
                || linger.isNegative() || idleTimeout.isNegative() || workingDirectory == null
                || readyTimeout == null || readyTimeout.isNegative() || timeLimit == null || timeLimit.isNegative()) {
            throw new IllegalArgumentException("inconsistent session limits: " + this);
        }
    }

    public SessionConfig withInputQueueBytes(int bytes) {
        return new SessionConfig(bytes, outputHighWater, outputLowWater, outputHardCap, scrollbackBytes, linger,
                idleTimeout, maxSessions, maxTerminals, workingDirectory, readyTimeout, timeLimit);
    }

    public SessionConfig withOutputLimits(long lowWater, long highWater, long hardCap) {
        return new SessionConfig(inputQueueBytes, highWater, lowWater, hardCap, scrollbackBytes, linger,
                idleTimeout, maxSessions, maxTerminals, workingDirectory, readyTimeout, timeLimit);
    }

    public SessionConfig withScrollbackBytes(int bytes) {
        return new SessionConfig(inputQueueBytes, outputHighWater, outputLowWater, outputHardCap, bytes, linger,
                idleTimeout, maxSessions, maxTerminals, workingDirectory, readyTimeout, timeLimit);
    }

    public SessionConfig withLinger(Duration d) {
        return new SessionConfig(inputQueueBytes, outputHighWater, outputLowWater, outputHardCap, scrollbackBytes, d,
                idleTimeout, maxSessions, maxTerminals, workingDirectory, readyTimeout, timeLimit);
    }

    public SessionConfig withIdleTimeout(Duration d) {
        return new SessionConfig(inputQueueBytes, outputHighWater, outputLowWater, outputHardCap, scrollbackBytes,
                linger, d, maxSessions, maxTerminals, workingDirectory, readyTimeout, timeLimit);
    }

    public SessionConfig withMaxSessions(int n) {
        return new SessionConfig(inputQueueBytes, outputHighWater, outputLowWater, outputHardCap, scrollbackBytes,
                linger, idleTimeout, n, maxTerminals, workingDirectory, readyTimeout, timeLimit);
    }

    public SessionConfig withWorkingDirectory(Path dir) {
        return new SessionConfig(inputQueueBytes, outputHighWater, outputLowWater, outputHardCap, scrollbackBytes,
                linger, idleTimeout, maxSessions, maxTerminals, dir, readyTimeout, timeLimit);
    }

    public SessionConfig withMaxTerminals(int n) {
        return new SessionConfig(inputQueueBytes, outputHighWater, outputLowWater, outputHardCap, scrollbackBytes,
                linger, idleTimeout, maxSessions, n, workingDirectory, readyTimeout, timeLimit);
    }

    public SessionConfig withReadyTimeout(Duration d) {
        return new SessionConfig(inputQueueBytes, outputHighWater, outputLowWater, outputHardCap, scrollbackBytes,
                linger, idleTimeout, maxSessions, maxTerminals, workingDirectory, d, timeLimit);
    }

    public SessionConfig withTimeLimit(Duration d) {
        return new SessionConfig(inputQueueBytes, outputHighWater, outputLowWater, outputHardCap, scrollbackBytes,
                linger, idleTimeout, maxSessions, maxTerminals, workingDirectory, readyTimeout, d);
    }
}
