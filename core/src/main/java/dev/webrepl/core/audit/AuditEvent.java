package dev.webrepl.core.audit;

import dev.webrepl.core.files.FileStatus;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * What the audit log records (README "Audit log"): one JSON object per event, {@code time} and
 * {@code event} first, then {@link #fields()} in order. {@code user} is null on a server without
 * users; every field is written, null or not, so each line of one event has the same keys.
 */
public sealed interface AuditEvent {
    /** The event's name in the log ({@code "event"}). */
    String event();

    /** The event's fields, in the order written. */
    Map<String, Object> fields();

    /** A wrong password (or a login refused while its address is locked out). */
    record LoginFailed(Peer peer) implements AuditEvent {
        @Override
        public String event() {
            return "login-failed";
        }

        @Override
        public Map<String, Object> fields() {
            return who(peer);
        }
    }

    /** A right password; {@code mode} is the terminal asked for (read-write or view). */
    record LoggedIn(Peer peer, String mode) implements AuditEvent {
        @Override
        public String event() {
            return "login";
        }

        @Override
        public Map<String, Object> fields() {
            Map<String, Object> m = who(peer);
            m.put("mode", mode);
            return m;
        }
    }

    /** A session was opened by {@code peer}. */
    record SessionOpened(Peer peer, String session, String engine) implements AuditEvent {
        @Override
        public String event() {
            return "session-opened";
        }

        @Override
        public Map<String, Object> fields() {
            Map<String, Object> m = who(peer);
            m.put("session", session);
            m.put("engine", engine);
            return m;
        }
    }

    /**
     * The owner shared a session: a link granting {@code mode} (read-write or view). Nothing records
     * it yet: share links come with users (issue 18).
     */
    record SessionShared(Peer peer, String session, String mode) implements AuditEvent {
        @Override
        public String event() {
            return "session-shared";
        }

        @Override
        public Map<String, Object> fields() {
            Map<String, Object> m = who(peer);
            m.put("session", session);
            m.put("mode", mode);
            return m;
        }
    }

    /** Another terminal attached to a running session by its id. */
    record SessionAttached(Peer peer, String session, String mode) implements AuditEvent {
        @Override
        public String event() {
            return "session-attached";
        }

        @Override
        public Map<String, Object> fields() {
            Map<String, Object> m = who(peer);
            m.put("session", session);
            m.put("mode", mode);
            return m;
        }
    }

    /** A session ended; {@code openedBy} is who opened it, {@code reason} SessionRecorder#sessionEnded's word. */
    record SessionEnded(Peer openedBy, String session, String reason) implements AuditEvent {
        @Override
        public String event() {
            return "session-ended";
        }

        @Override
        public Map<String, Object> fields() {
            Map<String, Object> m = who(openedBy);
            m.put("session", session);
            m.put("reason", reason);
            return m;
        }
    }

    /**
     * A file request ended: {@code op} is its type (PUT, GET, LIST, STAT, DELETE, MKDIR, RENAME),
     * {@code path} the name it gave, {@code bytes} the file bytes moved (PUT, GET) or reply bytes
     * (LIST, STAT), {@code status} the status sent.
     */
    record FileOperation(Peer peer, String session, String op, String path, long bytes, FileStatus status)
            implements AuditEvent {
        @Override
        public String event() {
            return "file";
        }

        @Override
        public Map<String, Object> fields() {
            Map<String, Object> m = who(peer);
            m.put("session", session);
            m.put("op", op);
            m.put("path", path);
            m.put("bytes", bytes);
            m.put("status", status.name().toLowerCase(Locale.ROOT).replace('_', '-'));
            return m;
        }
    }

    private static Map<String, Object> who(Peer peer) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("user", peer.user());
        m.put("address", peer.address());
        return m;
    }
}
