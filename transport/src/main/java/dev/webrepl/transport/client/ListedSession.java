package dev.webrepl.transport.client;

import java.time.Instant;
import java.util.Objects;

/**
 * A session as SESSIONS lists it (PROTOCOL.md §10); fields a newer server adds are ignored.
 *
 * @param id        the session's id: attach with {@code /session/ID}
 * @param engine    its engine's kind ({@code echo}, {@code jshell}, {@code process}, ...)
 * @param created   when it was opened
 * @param terminals read-write terminals attached now
 * @param viewers   view-only terminals attached now
 * @param current   whether it is the asking connection's own session
 * @param hibernated whether its engine is hibernated (README "Hibernation"; absent from the listing: false)
 */
public record ListedSession(String id, String engine, Instant created, int terminals, int viewers, boolean current,
        boolean hibernated) {
    public ListedSession {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(engine, "engine");
        Objects.requireNonNull(created, "created");
    }

    /** A session that is not hibernated. */
    public ListedSession(String id, String engine, Instant created, int terminals, int viewers, boolean current) {
        this(id, engine, created, terminals, viewers, current, false);
    }
}
