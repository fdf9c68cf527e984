package dev.webrepl.transport.server;

import com.fasterxml.jackson.jr.ob.JSON;
import dev.webrepl.core.protocol.FileTransferChannel;
import dev.webrepl.dupterm.Session;
import dev.webrepl.dupterm.SessionRegistry;
import dev.webrepl.dupterm.TerminalMode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * The SESSIONS reply of one connection (PROTOCOL.md §10): the sessions its login may attach to, from
 * the registry the admin listener's {@code /sessions} reads too, oldest first, as a JSON array.
 *
 * <p>Which sessions a login may see is decided by {@code visible} alone, passed in by the connection
 * (README "Users": with a users file a user's own sessions, an admin's every session; each entry then
 * names its {@code owner}).
 */
final class SessionListing implements FileTransferChannel.SessionLister {
    private static final Comparator<Session> OLDEST_FIRST =
            Comparator.comparing(Session::created).thenComparing(Session::id);

    private final SessionRegistry sessions;
    private final Predicate<Session> visible;
    private final Supplier<Session> current;

    /**
     * @param visible which sessions the asking login may see (and so attach to)
     * @param current the asking terminal's own session; null before it has one
     */
    SessionListing(SessionRegistry sessions, Predicate<Session> visible, Supplier<Session> current) {
        this.sessions = sessions;
        this.visible = visible;
        this.current = current;
    }

    @Override
    public byte[] list() {
        Session own = current.get();
        List<Map<String, Object>> list = new ArrayList<>();
        for (Session s : sessions.sessions().stream().sorted(OLDEST_FIRST).toList()) {
            if (s.ended() || !visible.test(s)) {
                continue;
            }
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("id", s.id());
            m.put("engine", s.engineKind());
            m.put("created", s.created().toEpochMilli());
            m.put("terminals", s.terminals(TerminalMode.READ_WRITE));
            m.put("viewers", s.terminals(TerminalMode.VIEW));
            m.put("current", s == own);
            if (s.hibernated()) {
                m.put("hibernated", true);   // only then, so older listings stay byte for byte (PROTOCOL.md §10)
            }
            if (s.owner().named()) {
                m.put("owner", s.owner().name());
            }
            list.add(m);
        }
        try {
            return JSON.std.asBytes(list);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot encode the session list", e);
        }
    }
}
