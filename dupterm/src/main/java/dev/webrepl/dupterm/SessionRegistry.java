package dev.webrepl.dupterm;

import dev.webrepl.core.audit.Peer;
import dev.webrepl.core.audit.SessionStart;
import dev.webrepl.core.audit.SessionTap;
import dev.webrepl.core.engine.ReplEngine;
import dev.webrepl.core.engine.TerminalSize;
import dev.webrepl.core.users.User;
import java.net.InetAddress;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Supplier;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * The sessions of one server. Owned by the server: no statics, nothing shared between servers.
 * Owns its timer and callback schedulers, released by {@link #close()}.
 */
public final class SessionRegistry implements AutoCloseable {
    private final Supplier<ReplEngine> engines;
    private final SessionIds ids;
    private final SessionConfig config;
    private final Scheduler timers;
    private final Scheduler callbacks;
    private final SessionRecorder recorder;
    private final Scheduler ownedTimers;
    private final Map<String, Session> sessions = new ConcurrentHashMap<>();
    /** Where share tokens' 128 bits come from. */
    private final SecureRandom shareTokens = new SecureRandom();
    private volatile Consumer<Slot> terminalArrived;
    /** Set by {@link #drain()}, cleared by {@link #undrain()}; read under {@code this} where it must agree with the map. */
    private volatile boolean draining;
    /** Completed (and cleared) when draining and the last session has gone; guarded by {@code this}. */
    private final List<CompletableFuture<Void>> drainedWaiters = new ArrayList<>();
    /**
     * Live sessions (lingering ones included) per address they were opened from, and each counted
     * session's address; guarded by {@code this}, taken in {@link #open} and given back in {@link #removed}.
     */
    private final Map<InetAddress, Integer> perAddress = new HashMap<>();
    private final Map<Session, InetAddress> openedFrom = new IdentityHashMap<>();

    /**
     * @param engines  makes one engine per new session
     * @param random   the source of session ids (128 bits each)
     * @param config   limits and timings
     * @param timers   runs linger and idle timers (tests pass a virtual-time scheduler); the registry
     *                 does not dispose it
     * @param recorder told of input queues, deactivations and ends
     */
    public SessionRegistry(Supplier<ReplEngine> engines, SecureRandom random, SessionConfig config, Scheduler timers,
                           SessionRecorder recorder) {
        this(engines, random, config, timers, recorder, false);
    }

    /** Default limits, and timers of its own (released by {@link #close()}). */
    public SessionRegistry(Supplier<ReplEngine> engines, SecureRandom random) {
        this(engines, random, SessionConfig.DEFAULTS);
    }

    /** The given limits, and timers of its own (released by {@link #close()}). */
    public SessionRegistry(Supplier<ReplEngine> engines, SecureRandom random, SessionConfig config) {
        this(engines, random, config, Schedulers.newSingle("webrepl-timers", true), SessionRecorder.NONE, true);
    }

    /** The given limits and recorder, and timers of its own (released by {@link #close()}). */
    public SessionRegistry(Supplier<ReplEngine> engines, SecureRandom random, SessionConfig config,
                           SessionRecorder recorder) {
        this(engines, SessionIds.random(random), config, recorder);
    }

    /**
     * The given ids (e.g. {@link SessionIds#forNode}, for a node behind a proxy), limits and recorder,
     * and timers of its own (released by {@link #close()}).
     */
    public SessionRegistry(Supplier<ReplEngine> engines, SessionIds ids, SessionConfig config,
                           SessionRecorder recorder) {
        this(engines, ids, config, Schedulers.newSingle("webrepl-timers", true), recorder, true);
    }

    private SessionRegistry(Supplier<ReplEngine> engines, SecureRandom random, SessionConfig config, Scheduler timers,
                            SessionRecorder recorder, boolean ownsTimers) {
        this(engines, SessionIds.random(random), config, timers, recorder, ownsTimers);
    }

    private SessionRegistry(Supplier<ReplEngine> engines, SessionIds ids, SessionConfig config, Scheduler timers,
                            SessionRecorder recorder, boolean ownsTimers) {
        this.engines = engines;
        this.ids = ids;
        this.config = config;
        this.timers = timers;
        this.recorder = recorder;
        this.callbacks = Schedulers.newBoundedElastic(4, Integer.MAX_VALUE, "webrepl-callbacks", 60, true);
        this.ownedTimers = ownsTimers ? timers : null;
    }

    public SessionConfig config() {
        return config;
    }

    /**
     * A new session with a fresh engine and an unguessable id, with {@code port} attached as its first,
     * read-write terminal; the engine starts once that terminal is attached.
     *
     * @throws SessionException 1013 when the server has its maximum of sessions or is draining
     */
    public Slot open(SlotPort port) throws SessionException {
        return open(port, null, 0);
    }

    /**
     * {@link #open(SlotPort)} for a client at {@code from}, which then counts against that address until
     * the session ends (lingering included): a session is not a connection, and outlives its client.
     *
     * @param from           the client's address; null counts nothing
     * @param maxFromAddress sessions {@code from} may have alive at once; 0 for no limit
     * @throws SessionException 1013 also when {@code from} has {@code maxFromAddress} sessions alive
     */
    public Slot open(SlotPort port, InetAddress from, int maxFromAddress) throws SessionException {
        return open(port, from, maxFromAddress, User.SHARED, config.workingDirectory(), 0);
    }

    /**
     * {@link #open(SlotPort, InetAddress, int)} for {@code owner}, whose session works in
     * {@code workingDirectory} (the owner's root: README "Users"); recordings and the audit log name
     * the owner (none for {@link User#SHARED}) and {@code from}.
     *
     * @param maxPerOwner sessions {@code owner} may have alive at once (lingering included); 0 for no limit
     * @throws SessionException 1013 also when {@code owner} has {@code maxPerOwner} sessions alive
     */
    public Slot open(SlotPort port, InetAddress from, int maxFromAddress, User owner, Path workingDirectory,
                     int maxPerOwner) throws SessionException {
        Peer by = new Peer(owner.named() ? owner.name() : null, from == null ? null : from.getHostAddress());
        Session session;
        synchronized (this) {
            if (draining) {
                // A connection upgraded just before drain() logs in after it: it gets no session here.
                throw new SessionException(SessionException.TRY_AGAIN_LATER,
                        "the server is draining: it takes no new sessions");
            }
            if (sessions.size() >= config.maxSessions()) {
                recorder.terminalDeactivated("limit");
                throw new SessionException(SessionException.TRY_AGAIN_LATER,
                        "the server has its maximum of " + config.maxSessions() + " sessions");
            }
            if (from != null && maxFromAddress > 0 && perAddress.getOrDefault(from, 0) >= maxFromAddress) {
                throw new SessionException(SessionException.TRY_AGAIN_LATER, "too many sessions from this address",
                        "per-address-sessions");
            }
            if (maxPerOwner > 0 && owner.named() && sessionsOf(owner) >= maxPerOwner) {
                throw new SessionException(SessionException.TRY_AGAIN_LATER, "user " + owner.name() + " has "
                        + maxPerOwner + " sessions already (--max-sessions-per-user)", "per-user-sessions");
            }
            ReplEngine engine = engines.get();
            try {
                String id = newId();
                SessionTap tap = recorder.sessionTap(new SessionStart(id, engine.kind(), by, TerminalSize.DEFAULT));
                session = new Session(id, owner, workingDirectory, engine, config, timers, recorder, tap, this::removed);
            } catch (RuntimeException e) {
                engine.close();
                throw e;
            }
            sessions.put(session.id(), session);
            if (from != null) {
                // Counted with the put, under the same lock: removed() gives it back whatever ends the session.
                perAddress.merge(from, 1, Integer::sum);
                openedFrom.put(session, from);
            }
        }
        recorder.sessionOpened(session.engineKind());
        Slot slot;
        try {
            slot = session.attach(TerminalMode.READ_WRITE, port, callbacks.createWorker(), null, owner);
            session.start();
            arrived(slot);
        } catch (SessionException | RuntimeException e) {
            // No terminal will ever leave it: end it here, or it (and its count) would stay until the idle timeout.
            session.end(Session.INTERNAL_ERROR, "", "detached");
            throw e;
        }
        return slot;
    }

    /**
     * Attaches another terminal to session {@code id}.
     *
     * @throws SessionException 1008 for an unknown (or ended) session, 1013 at the terminal limit
     */
    public Slot attach(String id, TerminalMode mode, SlotPort port) throws SessionException {
        Session session = sessions.get(id);
        if (session == null) {
            throw new SessionException(SessionException.POLICY_VIOLATION, "no such session: " + id);
        }
        Slot slot = session.attach(mode, port, callbacks.createWorker());
        arrived(slot);
        return slot;
    }

    /**
     * Attaches {@code who}'s terminal to session {@code id} (README "Users"): its owner and admins
     * attach in {@code mode}; anyone else only with {@code share}, a token the owner made, and then in
     * the mode the share grants. A session {@code who} may not attach to is refused exactly as an
     * unknown one, so its existence is not revealed.
     *
     * @throws SessionException 1008 {@code no such session: ID}, 1013 at the terminal limit
     */
    public Slot attach(String id, TerminalMode mode, SlotPort port, User who, String share) throws SessionException {
        Session session = sessions.get(id);
        SessionException unknown = new SessionException(SessionException.POLICY_VIOLATION, "no such session: " + id);
        if (session == null) {
            throw unknown;
        }
        TerminalMode granted;
        if (share != null) {
            granted = session.shareMode(share).orElseThrow(() -> unknown);
        } else if (mayAttach(session, who)) {
            granted = mode;
        } else {
            throw unknown;
        }
        Slot slot = session.attach(granted, port, callbacks.createWorker(), share, who);
        arrived(slot);
        return slot;
    }

    /**
     * Whether {@code who} may attach to {@code session} by its id alone: without a users file anyone
     * may (the password is the key); with one, its owner and admins.
     */
    public static boolean mayAttach(Session session, User who) {
        return !who.named() && !session.owner().named() || who.admin() || session.ownedBy(who);
    }

    /**
     * Session {@code id} if {@code who} may manage it (share, revoke, end: its owner or an admin);
     * otherwise refused exactly as an unknown session.
     */
    public Session managed(String id, User who) throws SessionException {
        Session session = sessions.get(id);
        if (session == null || !who.named() || !(who.admin() || session.ownedBy(who))) {
            throw new SessionException(SessionException.POLICY_VIOLATION, "no such session: " + id);
        }
        return session;
    }

    /**
     * A new share of session {@code id} granting {@code mode}, made by {@code who} (its owner or an
     * admin); returns the token (README "Users").
     *
     * @throws SessionException 1008 as for an unknown session, 1013 past {@link Session#MAX_SHARES}
     */
    public String share(String id, User who, TerminalMode mode) throws SessionException {
        return managed(id, who).share(mode, shareTokens);
    }

    /**
     * Revokes the share {@code token} of any session {@code who} manages; the terminals that came
     * through it are closed with 1008 ({@link Session#revoke}). Returns whether there was one.
     */
    public boolean revoke(String token, User who) {
        for (Session s : sessions.values()) {
            if (who.named() && (who.admin() || s.ownedBy(who)) && s.shares().containsKey(token)) {
                return s.revoke(token);
            }
        }
        return false;
    }

    /** Sessions {@code owner} has alive, lingering ones included. */
    public int sessionsOf(User owner) {
        int n = 0;
        for (Session s : sessions.values()) {
            if (s.ownedBy(owner)) {
                n++;
            }
        }
        return n;
    }

    /**
     * Ends the sessions of the users named (removed from the users file) with 1008 and {@code why}, and
     * closes their terminals on others' sessions (through a share, or as admins) the same way.
     */
    public void endSessionsOf(java.util.Set<String> names, String why) {
        for (Session s : List.copyOf(sessions.values())) {
            if (s.owner().named() && names.contains(s.owner().name())) {
                s.end(Session.POLICY_VIOLATION, why, "user-removed");
            } else {
                s.closeTerminals(attachedByOneOf(names), "user-removed", why);
            }
        }
    }

    /**
     * Closes, with 1008 and {@code why}, the terminals the users named (admins no more) attached by id
     * alone to sessions not their own: what only an admin may do. Their own sessions and what they
     * opened through a share stay.
     */
    public void closeAdminTerminalsOf(java.util.Set<String> names, String why) {
        for (Session s : List.copyOf(sessions.values())) {
            s.closeTerminals(attachedByOneOf(names).and(t -> t.share() == null && !s.ownedBy(t.user())), "demoted",
                    why);
        }
    }

    /** The terminals attached by one of the users named. */
    private static java.util.function.Predicate<Slot> attachedByOneOf(java.util.Set<String> names) {
        return t -> t.user() != null && t.user().named() && names.contains(t.user().name());
    }

    /**
     * The embedding API's connection-arrived callback slot: {@code callback} runs, off the I/O thread,
     * for every terminal that attaches (a new session's first terminal included). Setting replaces
     * the previous callback; {@code null} clears it.
     */
    public void setTerminalArrivedCallback(Consumer<Slot> callback) {
        terminalArrived = callback;
    }

    private void arrived(Slot slot) {
        Consumer<Slot> cb = terminalArrived;
        if (cb != null) {
            callbacks.schedule(() -> cb.accept(slot));
        }
    }

    private String newId() {
        String id;
        do {
            id = ids.next();
        } while (sessions.containsKey(id));
        return id;
    }

    /** The node name this registry's session ids carry, if any ({@link SessionIds}). */
    public Optional<String> node() {
        return ids.node();
    }

    private synchronized void removed(Session session) {
        sessions.remove(session.id(), session);
        InetAddress from = openedFrom.remove(session);
        if (from != null) {
            perAddress.computeIfPresent(from, (a, n) -> n <= 1 ? null : n - 1);
        }
        completeIfDrained();
    }

    /** Sessions opened from {@code address} that are still alive, lingering ones included. */
    public synchronized int sessionsFrom(InetAddress address) {
        return perAddress.getOrDefault(address, 0);
    }

    /**
     * Takes no new sessions from now on ({@link #open} fails with 1013); the sessions already here
     * carry on, and terminals still attach to them. {@link #undrain()} takes it back. Idempotent.
     */
    public synchronized void drain() {
        draining = true;
        completeIfDrained();
    }

    /**
     * Takes new sessions again after {@link #drain()}. A {@link #whenDrained()} already completed
     * stays completed; one still pending waits for the next drain. Idempotent.
     */
    public synchronized void undrain() {
        draining = false;
    }

    public boolean isDraining() {
        return draining;
    }

    /** Completes once {@link #drain()} was called and the last session has ended (at once if both hold). */
    public synchronized CompletableFuture<Void> whenDrained() {
        CompletableFuture<Void> drained = new CompletableFuture<>();
        drainedWaiters.add(drained);
        completeIfDrained();
        return drained;
    }

    // Called under this.
    private void completeIfDrained() {
        if (draining && sessions.isEmpty() && !drainedWaiters.isEmpty()) {
            List<CompletableFuture<Void>> waiters = List.copyOf(drainedWaiters);
            drainedWaiters.clear();
            // Off the caller's thread: it may be an event loop or hold a session's lock.
            try {
                callbacks.schedule(() -> waiters.forEach(w -> w.complete(null)));
            } catch (java.util.concurrent.RejectedExecutionException closed) {
                waiters.forEach(w -> w.complete(null));
            }
        }
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

    /** Ends every session (close code 1001) and stops the callback workers. */
    @Override
    public void close() {
        for (Session s : List.copyOf(sessions.values())) {
            s.end(Session.GOING_AWAY, "server shutting down", "shutdown");
        }
        callbacks.dispose();
        if (ownedTimers != null) {
            ownedTimers.dispose();
        }
    }
}
