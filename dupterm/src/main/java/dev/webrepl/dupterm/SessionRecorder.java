package dev.webrepl.dupterm;

/**
 * What sessions report as it happens; metrics implement it (DESIGN: metrics attach through recorder
 * interfaces). Called on whatever thread the event happens; implementations must be quick.
 */
public interface SessionRecorder extends dev.webrepl.core.engine.EngineRecorder {
    SessionRecorder NONE = new SessionRecorder() {
    };

    /** The input bytes now queued for one session's engine. */
    default void inputQueued(long bytes) {
    }

    /** A terminal was deactivated; {@code cause} is one of peer-gone, write-error, slow-consumer, limit, closed. */
    default void terminalDeactivated(String cause) {
    }

    /** A producer was paused because every terminal was above the high-water mark. */
    default void producerPaused() {
    }

    /** A session ended; {@code reason} is one of engine-exit, engine-error, idle, linger-expired, shutdown, detached. */
    default void sessionEnded(String reason) {
    }
}
