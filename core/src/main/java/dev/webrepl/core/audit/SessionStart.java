package dev.webrepl.core.audit;

import dev.webrepl.core.engine.TerminalSize;
import java.util.Objects;

/**
 * A session that has just been opened, as its {@link SessionTap}'s maker sees it.
 *
 * @param session  the session id
 * @param engine   its engine's kind (echo, jshell, process, micropython)
 * @param openedBy who opened it, and from where
 * @param size     its terminal size at the start
 */
public record SessionStart(String session, String engine, Peer openedBy, TerminalSize size) {
    public SessionStart {
        Objects.requireNonNull(session, "session");
        Objects.requireNonNull(engine, "engine");
        Objects.requireNonNull(openedBy, "openedBy");
        Objects.requireNonNull(size, "size");
    }
}
