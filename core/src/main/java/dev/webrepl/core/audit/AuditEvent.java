package dev.webrepl.core.audit;

import dev.webrepl.core.files.FileStatus;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * One line of the audit log (README "Audit log"): {@code time} and {@code event} first, then
 * {@code user} and {@code address} of {@link #peer()}, then {@link #fields()} in order. Every
 * field is written, null or not, so all lines of one event have the same keys; {@code user} is
 * null on a server without users. Made only by the factories below, one per event.
 *
 * @param event  the event's name ({@code "event"})
 * @param peer   who, and from where
 * @param fields the event's own fields, in the order written
 */
public record AuditEvent(String event, Peer peer, Map<String, Object> fields) {
    public AuditEvent {
        Objects.requireNonNull(event, "event");
        Objects.requireNonNull(peer, "peer");
    }

    /** A wrong password (or a login refused while its address is locked out). */
    public static AuditEvent loginFailed(Peer peer) {
        return of("login-failed", peer);
    }

    /** A right password; {@code mode} is the terminal asked for (read-write or view). */
    public static AuditEvent login(Peer peer, String mode) {
        return of("login", peer, "mode", mode);
    }

    /** A session was opened by {@code peer}. */
    public static AuditEvent sessionOpened(Peer peer, String session, String engine) {
        return of("session-opened", peer, "session", session, "engine", engine);
    }

    /**
     * The owner shared a session: a link granting {@code mode} (read-write or view). Nothing records
     * it yet: share links come with users (issue 18).
     */
    public static AuditEvent sessionShared(Peer peer, String session, String mode) {
        return of("session-shared", peer, "session", session, "mode", mode);
    }

    /** Another terminal attached to a running session by its id. */
    public static AuditEvent sessionAttached(Peer peer, String session, String mode) {
        return of("session-attached", peer, "session", session, "mode", mode);
    }

    /** A session ended; {@code openedBy} opened it, {@code reason} is SessionRecorder#sessionEnded's word. */
    public static AuditEvent sessionEnded(Peer openedBy, String session, String reason) {
        return of("session-ended", openedBy, "session", session, "reason", reason);
    }

    /**
     * A file request ended: {@code op} is its type (PUT, GET, LIST, STAT, DELETE, MKDIR, RENAME),
     * {@code path} the name it gave, {@code bytes} the file bytes moved (PUT, GET) or reply bytes
     * (LIST, STAT), {@code status} the status sent, as a word ({@code ok}, {@code not-found}).
     */
    public static AuditEvent file(Peer peer, String session, String op, String path, long bytes, FileStatus status) {
        return of("file", peer, "session", session, "op", op, "path", path, "bytes", bytes,
                "status", status.name().toLowerCase(Locale.ROOT).replace('_', '-'));
    }

    private static AuditEvent of(String event, Peer peer, Object... namesAndValues) {
        Map<String, Object> fields = new LinkedHashMap<>();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            fields.put((String) namesAndValues[i], namesAndValues[i + 1]);
        }
        return new AuditEvent(event, peer, Collections.unmodifiableMap(fields));
    }
}
