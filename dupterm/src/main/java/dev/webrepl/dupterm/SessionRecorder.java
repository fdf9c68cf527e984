package dev.webrepl.dupterm;

import java.time.Duration;

/**
 * What sessions report as it happens; metrics implement it (DESIGN: metrics attach through recorder
 * interfaces). Called on whatever thread the event happens; implementations must be quick. What is
 * a state rather than an event (sessions and terminals now, input queued now) is read from the
 * {@link SessionRegistry} instead.
 */
public interface SessionRecorder extends dev.webrepl.core.engine.EngineRecorder {
    SessionRecorder NONE = new SessionRecorder() {
    };

    /**
     * A session is being opened: the tap returned sees its terminal (output, input, resizes) and its
     * end. Recordings and the audit log use it; meters need not (they record no session ids).
     */
    default dev.webrepl.core.audit.SessionTap sessionTap(dev.webrepl.core.audit.SessionStart start) {
        return dev.webrepl.core.audit.SessionTap.NONE;
    }

    /** A session was opened with an engine of kind {@code engine} (echo, jshell, process). */
    default void sessionOpened(String engine) {
    }

    /** The session's engine {@link dev.webrepl.core.engine.ReplEngine#start started} in {@code took}. */
    default void engineStarted(String engine, Duration took) {
    }

    /** The input bytes now queued for one session's engine. */
    default void inputQueued(long bytes) {
    }

    /**
     * A terminal was deactivated or refused; {@code cause} is one of peer-gone, write-error,
     * slow-consumer, closed, revoked (its share), user-removed, demoted (no longer an admin), or limit
     * (refused: the session or server had its maximum).
     */
    default void terminalDeactivated(String cause) {
    }

    /** A terminal's output backlog right after the session wrote output to it. */
    default void outputBacklog(long bytes) {
    }

    /** A producer was paused because every terminal was above the high-water mark. */
    default void producerPaused() {
    }

    /**
     * A session ended after {@code lifetime}; {@code reason} is one of engine-exit, engine-error,
     * idle, linger-expired, shutdown, detached (left without input), ended (by the embedder or admin).
     */
    default void sessionEnded(String engine, String reason, Duration lifetime) {
    }
}
