package dev.webrepl.dupterm;

import dev.webrepl.core.engine.ReplEngine;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/** The running sessions of one server. Owned by the server: no statics, no sharing between servers. */
public final class SessionRegistry implements AutoCloseable {
    private final Supplier<ReplEngine> engines;
    private final SecureRandom random;
    private final Map<String, Session> sessions = new ConcurrentHashMap<>();

    /**
     * @param engines makes one engine per new session
     * @param random  the source of session ids (128 bits each)
     */
    public SessionRegistry(Supplier<ReplEngine> engines, SecureRandom random) {
        this.engines = engines;
        this.random = random;
    }

    /** A new session with a fresh engine and an unguessable id. */
    public Session open() {
        byte[] bits = new byte[16];
        random.nextBytes(bits);
        String id = Base64.getUrlEncoder().withoutPadding().encodeToString(bits);
        Session session = new Session(id, engines.get(), s -> sessions.remove(s.id(), s));
        sessions.put(id, session);
        return session;
    }

    public Optional<Session> find(String id) {
        return Optional.ofNullable(sessions.get(id));
    }

    public int size() {
        return sessions.size();
    }

    public Collection<Session> sessions() {
        return List.copyOf(sessions.values());
    }

    /** Ends every session. */
    @Override
    public void close() {
        for (Session s : List.copyOf(sessions.values())) {
            s.end();
        }
    }
}
