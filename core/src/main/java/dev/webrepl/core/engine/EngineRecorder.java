package dev.webrepl.core.engine;

import java.time.Duration;

/**
 * What an engine's session reports about it; metrics implement it (DESIGN: metrics attach through
 * recorder interfaces). Called on whatever thread the event happens; must be quick.
 */
public interface EngineRecorder {
    EngineRecorder NONE = new EngineRecorder() {
    };

    /** An engine evaluated one input in {@code took} (engines with a line discipline report this). */
    default void evaluated(Duration took) {
    }

    /** The engine released its state until the next input (JShell's hibernation, README "Hibernation"). */
    default void hibernated() {
    }

    /** A hibernated engine restored its state in {@code took} (for JShell: a fresh instance, the replay). */
    default void restored(Duration took) {
    }
}
