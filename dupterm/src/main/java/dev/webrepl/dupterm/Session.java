package dev.webrepl.dupterm;

import dev.webrepl.core.audit.SessionTap;
import dev.webrepl.core.engine.EngineContext;
import dev.webrepl.core.engine.EngineOutput;
import dev.webrepl.core.engine.Pausable;
import dev.webrepl.core.engine.ReplEngine;
import dev.webrepl.core.engine.TerminalSize;
import dev.webrepl.core.protocol.Utf8TextFramer;
import dev.webrepl.core.users.User;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * One REPL engine and the terminals attached to it: a dupterm session (DESIGN "Sessions and
 * terminals", spec §5).
 *
 * <p>Input from every read-write terminal is merged into one bounded queue that the engine drains
 * at its own pace. Output is written at once into one buffer per terminal and drained at that
 * terminal's pace; a pausable producer is paused while every terminal is above the high-water
 * mark, and a terminal past the hard cap is deactivated. A failing terminal is cleared first, then
 * closed, and the others are told; an engine that ends or fails ends the session.
 */
public final class Session {
    private static final Logger LOG = LoggerFactory.getLogger(Session.class);
    public static final int NORMAL_CLOSURE = 1000;
    public static final int GOING_AWAY = 1001;
    public static final int POLICY_VIOLATION = 1008;
    public static final int INTERNAL_ERROR = 1011;

    /** Shares one session may have at once: each is a link someone holds; more is a mistake, not a use. */
    public static final int MAX_SHARES = 16;

    private final String id;
    private final User owner;
    private final Path workingDirectory;
    /** Share tokens (32 hex digits, 128 random bits) and the mode each grants; guarded by {@code this}. */
    private final java.util.Map<String, TerminalMode> shares = new java.util.LinkedHashMap<>();
    private final ReplEngine engine;
    private final SessionConfig config;
    private final Scheduler timers;
    private final SessionRecorder recorder;
    /** Sees output as the terminals get it, input, resizes and the end (recordings, the audit log). */
    private final SessionTap tap;
    private final Consumer<Session> onEnd;
    private final InputQueue input;
    private final Scrollback scrollback;
    private final Utf8TextFramer framer;
    private final Output output = new Output();
    private final Object room = new Object();
    private final List<Slot> slots = new ArrayList<>();
    /** The frames of the write in progress (under the session's lock); reused from write to write. */
    private final List<byte[]> framed = new ArrayList<>(2);
    private int nextNumber;
    private boolean started;
    private boolean ended;
    private boolean hadInput;
    /** The engine can take input (at once for most engines; see ReplEngine#reportsReady). */
    private boolean ready;
    /** A Ctrl-C came while the engine was not ready: delivered when it is. */
    private boolean interruptHeld;
    private Disposable readyTimer;
    private volatile long lastActivity;
    private final long created;
    private long inputBytes;
    private long outputBytes;
    private Disposable lingerTimer;
    private Disposable idleTimer;
    private Disposable timeLimitTimer;
    private volatile Pausable producer;
    private volatile TerminalSize size = TerminalSize.DEFAULT;
    private volatile boolean paused;
    /** Orders pause() and resume() of the producer: the output path pauses, a terminal's drain resumes. */
    private final Object pauseLock = new Object();

    Session(String id, ReplEngine engine, SessionConfig config, Scheduler timers, SessionRecorder recorder,
            Consumer<Session> onEnd) {
        this(id, User.SHARED, config.workingDirectory(), engine, config, timers, recorder, SessionTap.NONE, onEnd);
    }

    Session(String id, ReplEngine engine, SessionConfig config, Scheduler timers, SessionRecorder recorder,
            SessionTap tap, Consumer<Session> onEnd) {
        this(id, User.SHARED, config.workingDirectory(), engine, config, timers, recorder, tap, onEnd);
    }

    Session(String id, User owner, Path workingDirectory, ReplEngine engine, SessionConfig config, Scheduler timers,
            SessionRecorder recorder, Consumer<Session> onEnd) {
        this(id, owner, workingDirectory, engine, config, timers, recorder, SessionTap.NONE, onEnd);
    }

    /**
     * @param owner            who opened it ({@link User#SHARED} without a users file)
     * @param workingDirectory where its engine works: the owner's root (README "Users"), else the file root
     * @param tap              what the recordings and the audit log see of it
     */
    Session(String id, User owner, Path workingDirectory, ReplEngine engine, SessionConfig config, Scheduler timers,
            SessionRecorder recorder, SessionTap tap, Consumer<Session> onEnd) {
        this.id = id;
        this.owner = Objects.requireNonNull(owner, "owner");
        this.workingDirectory = Objects.requireNonNull(workingDirectory, "workingDirectory");
        this.engine = engine;
        this.config = config;
        this.timers = timers;
        this.recorder = recorder;
        this.tap = tap;
        this.onEnd = onEnd;
        this.input = new InputQueue(config.inputQueueBytes(), recorder::inputQueued);
        this.scrollback = new Scrollback(config.scrollbackBytes());
        this.framer = new Utf8TextFramer(frame -> framed.add(frame));
        this.created = timers.now(TimeUnit.MILLISECONDS);
        this.lastActivity = created;
        this.ready = !engine.reportsReady();
        if (!ready) {
            input.hold();
        }
        scheduleIdleCheck(config.idleTimeout());
        if (!config.timeLimit().isZero()) {
            timeLimitTimer = timers.schedule(() -> end(NORMAL_CLOSURE, "time limit " + human(config.timeLimit())
                    + " reached", "time-limit"), config.timeLimit().toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    /** {@code 2 h}, {@code 30 min}, {@code 45 s}, {@code 250 ms}. */
    static String human(Duration d) {
        long ms = d.toMillis();
        return ms % 3_600_000 == 0 ? ms / 3_600_000 + " h" : ms % 60_000 == 0 ? ms / 60_000 + " min"
                : ms % 1000 == 0 ? ms / 1000 + " s" : ms + " ms";
    }

    public String id() {
        return id;
    }

    /** The user who opened the session ({@link User#SHARED} without a users file). */
    public User owner() {
        return owner;
    }

    /** Whether {@code user} is the session's owner (by name: an owner made admin later is still the owner). */
    public boolean ownedBy(User user) {
        return owner.name().equals(user.name());
    }

    /** Where the session's engine works: its owner's root (README "Users"), else the server's file root. */
    public Path workingDirectory() {
        return workingDirectory;
    }

    /**
     * A new share of this session granting {@code mode} (README "Users", sharing): a token of 128
     * random bits from {@code random}, good until revoked or the session ends.
     *
     * @throws SessionException 1013 past {@link #MAX_SHARES}, 1008 if the session has ended
     */
    public synchronized String share(TerminalMode mode, java.security.SecureRandom random) throws SessionException {
        if (ended) {
            throw new SessionException(SessionException.POLICY_VIOLATION, "session " + id + " has ended");
        }
        if (shares.size() >= MAX_SHARES) {
            throw new SessionException(SessionException.TRY_AGAIN_LATER,
                    "session " + id + " has its maximum of " + MAX_SHARES + " shares");
        }
        byte[] bits = new byte[16];
        random.nextBytes(bits);
        String token = java.util.HexFormat.of().formatHex(bits);
        shares.put(token, mode);
        return token;
    }

    /** The shares now, token to mode, in the order they were made. */
    public synchronized java.util.Map<String, TerminalMode> shares() {
        return java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(shares));
    }

    /** The mode {@code token} grants, compared in constant time with each share; empty if it grants nothing. */
    synchronized java.util.Optional<TerminalMode> shareMode(String token) {
        byte[] given = token.getBytes(StandardCharsets.US_ASCII);
        TerminalMode found = null;
        for (java.util.Map.Entry<String, TerminalMode> e : shares.entrySet()) {
            if (java.security.MessageDigest.isEqual(given, e.getKey().getBytes(StandardCharsets.US_ASCII))) {
                found = e.getValue();
            }
        }
        return java.util.Optional.ofNullable(found);
    }

    /**
     * Revokes share {@code token}: the terminals that came through it are closed with 1008 and
     * {@code share revoked}. Returns whether there was such a share.
     */
    public boolean revoke(String token) {
        synchronized (this) {
            if (shares.remove(token) == null) {
                return false;
            }
        }
        // No terminal attaches through it from now on (attach looks under the same lock).
        closeTerminals(s -> token.equals(s.share()), "revoked", "share revoked");
        return true;
    }

    /**
     * Closes the terminals {@code which} picks with 1008 and {@code reason}, each deactivated with
     * {@code cause} (a metric tag); returns how many.
     */
    public int closeTerminals(java.util.function.Predicate<Slot> which, String cause, String reason) {
        List<Slot> closing = new ArrayList<>();
        synchronized (this) {
            for (Slot s : slots) {
                if (which.test(s)) {
                    closing.add(s);
                }
            }
        }
        for (Slot s : closing) {
            deactivate(s, cause, reason, true);
        }
        return closing.size();
    }

    /**
     * Attaches a terminal. It first receives the scrollback (recent output), then live output.
     *
     * @throws SessionException 1013 if the session has its maximum of terminals, 1008 if it has ended
     */
    public Slot attach(TerminalMode mode, SlotPort port, Scheduler.Worker callbacks) throws SessionException {
        return attach(mode, port, callbacks, null, null);
    }

    /**
     * {@link #attach(TerminalMode, SlotPort, Scheduler.Worker)} for {@code user} (null: none), through
     * share {@code share} (null: none), which must still hold.
     */
    Slot attach(TerminalMode mode, SlotPort port, Scheduler.Worker callbacks, String share, User user)
            throws SessionException {
        Slot slot;
        synchronized (this) {
            if (ended) {
                callbacks.dispose();
                throw new SessionException(SessionException.POLICY_VIOLATION, "session " + id + " has ended");
            }
            if (slots.size() >= config.maxTerminals()) {
                callbacks.dispose();
                recorder.terminalDeactivated("limit");
                throw new SessionException(SessionException.TRY_AGAIN_LATER,
                        "session " + id + " has its maximum of " + config.maxTerminals() + " terminals");
            }
            if (share != null && !shares.containsKey(share)) {
                // Revoked between the look-up and now: as unknown as any other wrong token.
                callbacks.dispose();
                throw new SessionException(SessionException.POLICY_VIOLATION, "no such session: " + id);
            }
            slot = new Slot(this, nextNumber++, mode, port, callbacks, share, user);
            byte[] replay = scrollback.snapshot();
            if (replay.length > 0) {
                List<byte[]> frames = new ArrayList<>();
                new Utf8TextFramer(frames::add).write(replay);
                for (byte[] f : frames) {
                    slot.deliver(f);
                }
            }
            slots.add(slot);
            if (lingerTimer != null) {
                lingerTimer.dispose();
                lingerTimer = null;
            }
        }
        return slot;
    }

    /** Starts the engine (once); a failure to start ends the session with 1011. */
    void start() {
        synchronized (this) {
            if (started || ended) {
                return;
            }
            started = true;
        }
        try {
            long begin = System.nanoTime();
            engine.start(new Context());
            recorder.engineStarted(engine.kind(), Duration.ofNanos(System.nanoTime() - begin));
            scheduleReadyBound();
        } catch (java.io.IOException e) {
            // An expected failure (no such program, a sandbox that cannot start): one line, no trace;
            // the terminals get the same words.
            warn("engine failed to start: " + message(e), null);
            end(INTERNAL_ERROR, "engine failed to start: " + message(e), "engine-error");
        } catch (Exception | LinkageError e) {
            warn("engine failed to start", e);
            end(INTERNAL_ERROR, "engine failed to start: " + message(e), "engine-error");
        }
    }

    Mono<Void> offer(Slot from, byte[] bytes) {
        if (bytes.length == 0) {
            return Mono.empty();
        }
        synchronized (this) {
            hadInput = true;
            inputBytes += bytes.length;
        }
        lastActivity = timers.now(TimeUnit.MILLISECONDS);
        tap.input(bytes);
        return input.offer(from, bytes);
    }

    void resize(int columns, int rows) {
        lastActivity = timers.now(TimeUnit.MILLISECONDS);
        size = new TerminalSize(columns, rows);
        tap.resized(size);
        try {
            engine.resize(columns, rows);
        } catch (RuntimeException e) {
            warn("engine failed to resize", e);
        }
    }

    void interrupt() {
        input.discard();
        lastActivity = timers.now(TimeUnit.MILLISECONDS);
        synchronized (this) {
            if (!ready) {
                // Held with the input: delivered, ahead of what came after it, once the engine is ready.
                interruptHeld = true;
                return;
            }
        }
        deliverInterrupt();
    }

    /**
     * Until an engine that reports readiness is ready, the bound (SessionConfig#readyTimeout) after
     * which held input is delivered anyway: an engine that never says so is still talked to.
     */
    private void scheduleReadyBound() {
        Duration bound = config.readyTimeout();
        synchronized (this) {
            if (ready || ended) {
                return;
            }
            if (!bound.isZero()) {
                readyTimer = timers.schedule(() -> becomeReady(true), bound.toMillis(), TimeUnit.MILLISECONDS);
                return;
            }
        }
        becomeReady(true);
    }

    /** The engine can take input: a held Ctrl-C first, then the held input, in order. Idempotent. */
    private void becomeReady(boolean timedOut) {
        boolean interrupt;
        synchronized (this) {
            if (ready || ended) {
                return;
            }
            ready = true;
            interrupt = interruptHeld;
            interruptHeld = false;
            if (readyTimer != null) {
                readyTimer.dispose();
                readyTimer = null;
            }
        }
        if (timedOut) {
            try (MDC.MDCCloseable session = MDC.putCloseable("session", id)) {
                LOG.info("engine {} did not say it was ready within {}; input is delivered anyway", engine.kind(),
                        config.readyTimeout());
            }
        }
        if (interrupt) {
            deliverInterrupt();
        }
        input.release();
    }

    /** Whether the engine is ready for input (input and Ctrl-C are held until then). */
    public synchronized boolean engineReady() {
        return ready;
    }

    private void deliverInterrupt() {
        try {
            engine.interrupt();
        } catch (RuntimeException e) {
            warn("engine failed on interrupt", e);
            end(INTERNAL_ERROR, "engine failed: " + message(e), "engine-error");
        }
    }

    /** Writes session output: scrollback, then every terminal's buffer; deactivates slow consumers. */
    private void write(byte[] bytes) {
        // Both lists stay null unless a terminal must go: a write allocates nothing per terminal.
        List<Slot> slow = null;
        List<Slot> failed = null;
        synchronized (this) {
            if (ended || bytes.length == 0) {
                return;
            }
            lastActivity = timers.now(TimeUnit.MILLISECONDS);
            outputBytes += bytes.length;
            scrollback.add(bytes);
            framed.clear();
            framer.write(bytes);
            long framedBytes = 0;
            for (int i = 0; i < framed.size(); i++) {
                framedBytes += framed.get(i).length;
                // Exactly what every terminal gets, in order (the lock is held): recordings replay it.
                tap.output(framed.get(i));
            }
            for (Slot s : slots) {
                // Only a terminal with output already waiting is slow: one large write to an empty
                // backlog is delivered (as one large input chunk is admitted into an empty queue).
                if (s.backlog() > 0 && s.backlog() + framedBytes > config.outputHardCap()) {
                    if (slow == null) {
                        slow = new ArrayList<>(2);
                    }
                    slow.add(s);
                    continue;
                }
                try {
                    for (int i = 0; i < framed.size(); i++) {
                        s.deliver(framed.get(i));
                    }
                    recorder.outputBacklog(s.backlog());
                } catch (RuntimeException e) {
                    warn("terminal " + s.number() + " failed to take output", e);
                    if (failed == null) {
                        failed = new ArrayList<>(2);
                    }
                    failed.add(s);
                }
            }
            framed.clear();
        }
        if (failed != null) {
            for (Slot s : failed) {
                deactivate(s, "write-error", "write error", true);
            }
        }
        if (slow != null) {
            for (Slot s : slow) {
                deactivate(s, "slow-consumer",
                        "slow consumer (more than " + config.outputHardCap() + " bytes of output waiting)", true);
            }
        }
        Pausable p = producer;
        if (p != null && !paused && wouldBlock()) {
            synchronized (pauseLock) {
                if (!paused) {
                    paused = true;
                    p.pause();
                    recorder.producerPaused();
                }
            }
            // A terminal that drained below the low-water mark since wouldBlock() saw no pause to lift,
            // and none drains further while paused: without this look the producer stays paused.
            if (anyBelowLowWater()) {
                resume(p);
            }
        }
    }

    /** Lifts the producer's pause; under the same lock as the pause, so their calls reach it in their order. */
    private void resume(Pausable p) {
        synchronized (pauseLock) {
            if (paused) {
                paused = false;
                p.resume();
            }
        }
    }

    private boolean anyBelowLowWater() {
        synchronized (this) {
            for (Slot s : slots) {
                if (s.backlog() < config.outputLowWater()) {
                    return true;
                }
            }
            return false;
        }
    }

    /** True while every terminal is above the high-water mark (POSIX: the write would block). */
    private boolean wouldBlock() {
        synchronized (this) {
            if (slots.isEmpty()) {
                return false;
            }
            for (Slot s : slots) {
                if (s.backlog() <= config.outputHighWater()) {
                    return false;
                }
            }
            return true;
        }
    }

    /** A terminal took output: resume a paused producer below the low-water mark, wake blocked writers. */
    void drained(Slot slot) {
        long backlog = slot.backlog();
        if (backlog <= config.outputHighWater()) {
            synchronized (room) {
                room.notifyAll();
            }
        }
        Pausable p = producer;
        if (paused && p != null && backlog < config.outputLowWater()) {
            resume(p);
        }
    }

    /**
     * Clears {@code slot} first, then closes it, then tells the remaining terminals (dupterm's order,
     * spec §5). The last terminal leaving starts the linger period, or ends the session.
     */
    void deactivate(Slot slot, String cause, String reason, boolean closeIt) {
        boolean last;
        synchronized (this) {
            if (!slots.remove(slot)) {
                return;
            }
            last = slots.isEmpty();
        }
        recorder.terminalDeactivated(cause);
        // Its input waiting for room goes nowhere: nobody is left to see the answer.
        slot.markGone();
        input.drop(slot);
        slot.disposeCallbacks();
        if (closeIt) {
            slot.discardOutput();
            slot.close(POLICY_VIOLATION, truncate(reason));
        }
        synchronized (room) {
            room.notifyAll();
        }
        if (last) {
            lastTerminalLeft();
        } else {
            write(("\r\ndupterm: terminal " + slot.number() + " deactivated: " + reason + "\r\n")
                    .getBytes(StandardCharsets.UTF_8));
        }
    }

    private void lastTerminalLeft() {
        Duration linger = config.linger();
        synchronized (this) {
            if (ended || !slots.isEmpty()) {
                return;
            }
            if (hadInput && !linger.isZero()) {
                lingerTimer = timers.schedule(this::lingerExpired, linger.toMillis(), TimeUnit.MILLISECONDS);
                return;
            }
        }
        end(NORMAL_CLOSURE, "", "detached");
    }

    private void lingerExpired() {
        synchronized (this) {
            if (!slots.isEmpty()) {
                return;
            }
        }
        end(NORMAL_CLOSURE, "", "linger-expired");
    }

    private void scheduleIdleCheck(Duration delay) {
        if (config.idleTimeout().isZero()) {
            return;
        }
        synchronized (this) {
            if (!ended) {
                idleTimer = timers.schedule(this::idleCheck, Math.max(1, delay.toMillis()), TimeUnit.MILLISECONDS);
            }
        }
    }

    private void idleCheck() {
        long idleFor = timers.now(TimeUnit.MILLISECONDS) - lastActivity;
        long limit = config.idleTimeout().toMillis();
        if (idleFor >= limit) {
            end(NORMAL_CLOSURE, "idle for " + config.idleTimeout().toSeconds() + " s", "idle");
        } else {
            scheduleIdleCheck(Duration.ofMillis(limit - idleFor));
        }
    }

    /**
     * Ends the session: every terminal gets a last line with {@code why} (unless empty) and a close
     * with {@code code}; the engine, the input queue and the timers are released and the registry
     * forgets the session. Idempotent.
     */
    public void end(int code, String why, String recorderReason) {
        List<Slot> left;
        synchronized (this) {
            if (ended) {
                return;
            }
            if (!why.isEmpty()) {
                write(("\r\nsession ended: " + why + "\r\n").getBytes(StandardCharsets.UTF_8));
            }
            ended = true;
            left = new ArrayList<>(slots);
            slots.clear();
            if (lingerTimer != null) {
                lingerTimer.dispose();
            }
            if (idleTimer != null) {
                idleTimer.dispose();
            }
            if (timeLimitTimer != null) {
                timeLimitTimer.dispose();
            }
            if (readyTimer != null) {
                readyTimer.dispose();
            }
        }
        for (Slot s : left) {
            s.markGone();
            s.disposeCallbacks();
            s.close(code, truncate(why.isEmpty() ? "session ended" : why));
        }
        synchronized (room) {
            room.notifyAll();
        }
        input.close();
        try {
            engine.close();
        } catch (RuntimeException e) {
            warn("engine failed to close", e);
        }
        tap.ended(recorderReason);
        recorder.sessionEnded(engine.kind(), recorderReason,
                Duration.ofMillis(Math.max(0, timers.now(TimeUnit.MILLISECONDS) - created)));
        onEnd.accept(this);
    }

    public synchronized boolean ended() {
        return ended;
    }

    public synchronized int terminals() {
        return slots.size();
    }

    /** The terminals attached in {@code mode} now. */
    public synchronized int terminals(TerminalMode mode) {
        int n = 0;
        for (Slot s : slots) {
            if (s.mode() == mode) {
                n++;
            }
        }
        return n;
    }

    /** The kind of this session's engine (echo, jshell, process). */
    public String engineKind() {
        return engine.kind();
    }

    /** Whether its engine is hibernated (README "Hibernation"): listed, and counted by a gauge. */
    public boolean hibernated() {
        return engine.hibernated();
    }

    /** When the session was opened, by the registry's clock. */
    public java.time.Instant created() {
        return java.time.Instant.ofEpochMilli(created);
    }

    /** The last input, output or resize, by the registry's clock. */
    public java.time.Instant lastActivity() {
        return java.time.Instant.ofEpochMilli(lastActivity);
    }

    /** Terminal input bytes taken from every terminal, in total. */
    public synchronized long inputBytes() {
        return inputBytes;
    }

    /** Output bytes the engine wrote, in total (each terminal gets all of them). */
    public synchronized long outputBytes() {
        return outputBytes;
    }

    /** Input bytes queued for the engine now, and the most ever. */
    public long queuedInputBytes() {
        return input.queuedBytes();
    }

    /** Input bytes of terminals waiting for room in the queue now (their connections read nothing meanwhile). */
    public long waitingInputBytes() {
        return input.waitingBytes();
    }

    public long maxQueuedInputBytes() {
        return input.maxQueuedBytes();
    }

    /** Whether a pausable producer is paused now. */
    public boolean producerPaused() {
        return paused;
    }

    private static String message(Throwable e) {
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    /** Close reasons must fit a control frame: 123 bytes of UTF-8 (RFC 6455 §5.5). */
    static String truncate(String reason) {
        byte[] b = reason.getBytes(StandardCharsets.UTF_8);
        if (b.length <= 123) {
            return reason;
        }
        String s = reason;
        while (s.getBytes(StandardCharsets.UTF_8).length > 120) {
            s = s.substring(0, s.length() - 1);
        }
        return s + "...";
    }

    private final class Output implements EngineOutput {
        @Override
        public void write(byte[] bytes) {
            Session.this.write(bytes);
        }

        @Override
        public WriteResult tryWrite(byte[] bytes) {
            if (wouldBlock()) {
                return WriteResult.WOULD_BLOCK;
            }
            Session.this.write(bytes);
            return WriteResult.WRITTEN;
        }

        @Override
        public void writeBlocking(byte[] bytes) throws InterruptedException {
            synchronized (room) {
                while (wouldBlock() && !ended()) {
                    room.wait();
                }
            }
            Session.this.write(bytes);
        }
    }

    private final class Context implements EngineContext {
        @Override
        public String sessionId() {
            return id;
        }

        @Override
        public Path workingDirectory() {
            return workingDirectory;
        }

        @Override
        public User user() {
            return owner;
        }

        @Override
        public TerminalSize terminalSize() {
            return size;
        }

        @Override
        public dev.webrepl.core.engine.EngineRecorder recorder() {
            return recorder;
        }

        @Override
        public Flux<byte[]> input() {
            // An engine that stops reading while its session runs can never be talked to again.
            return input.flux(() -> end(INTERNAL_ERROR, "engine failed: it stopped reading its input", "engine-error"));
        }

        @Override
        public EngineOutput output() {
            return output;
        }

        @Override
        public void pausable(Pausable p) {
            producer = p;
        }

        @Override
        public void ready() {
            becomeReady(false);
        }

        @Override
        public void exited(int status) {
            end(NORMAL_CLOSURE, "engine exited with status " + status, "engine-exit");
        }

        @Override
        public void failed(Throwable error) {
            warn("engine failed", error);
            end(INTERNAL_ERROR, "engine failed: " + message(error), "engine-error");
        }

        @Override
        public void limitReached(String reason) {
            try (MDC.MDCCloseable session = MDC.putCloseable("session", id)) {
                LOG.info("{}", reason);
            }
            end(NORMAL_CLOSURE, reason, "limit");
        }
    }

    /** A warning about this session, with its id as the {@code session} log field (README "Logs"); a trace only for {@code e}. */
    private void warn(String message, Throwable e) {
        try (MDC.MDCCloseable session = MDC.putCloseable("session", id)) {
            LOG.warn(message, e);
        }
    }
}
