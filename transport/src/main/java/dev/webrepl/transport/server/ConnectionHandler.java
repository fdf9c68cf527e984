package dev.webrepl.transport.server;

import dev.webrepl.core.audit.AuditEvent;
import dev.webrepl.core.audit.AuditLog;
import dev.webrepl.core.audit.Peer;
import dev.webrepl.core.files.FileStatus;
import dev.webrepl.core.files.FileStore;
import dev.webrepl.core.files.FileStoreException;
import dev.webrepl.core.protocol.ConnectionRecorder;
import dev.webrepl.core.protocol.FileRequest;
import dev.webrepl.core.protocol.TransferListener;
import dev.webrepl.core.protocol.FileTransferChannel;
import dev.webrepl.core.protocol.Opcode;
import dev.webrepl.core.protocol.PasswordCheck;
import dev.webrepl.core.protocol.TerminalRefusedException;
import dev.webrepl.core.protocol.WebReplConnection;
import dev.webrepl.dupterm.Session;
import dev.webrepl.core.users.Tenancy;
import dev.webrepl.core.users.User;
import dev.webrepl.core.users.UserDirectory;
import dev.webrepl.dupterm.SessionException;
import dev.webrepl.dupterm.SessionRegistry;
import dev.webrepl.dupterm.Slot;
import dev.webrepl.dupterm.SlotPort;
import dev.webrepl.dupterm.TerminalMode;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.Locale;
import java.util.concurrent.ScheduledFuture;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.netty.NettyPipeline;
import reactor.netty.channel.AbortedException;
import reactor.netty.http.websocket.WebsocketInbound;
import reactor.netty.http.websocket.WebsocketOutbound;

/**
 * Bridges one WebSocket to a {@link WebReplConnection} and, after login, to a dupterm {@link Slot}.
 *
 * <p><b>Input</b>: frames are copied out of their buffers on the event loop and handled one at a time,
 * each where it holds up no other connection: the password stage and file requests off the event loop
 * ({@link ConnectionWorkers}), terminal input after login on it (it never blocks: it only queues for
 * the engine); the next frame is requested only when the last one has been taken,
 * which for terminal input means the session's bounded input queue had room. Reactor Netty then
 * stops reading and TCP throttles the client (findings Q6). Ctrl-C is seen earlier, by the
 * {@link InterruptScanner}, as frames are decoded.
 *
 * <p><b>Output</b>: direct frames (prompt, login answer, file replies) and the slot's terminal output
 * are written on the event loop only while the channel is writable, so a slow client's backlog stays
 * in its slot, where the session can see it. Direct frames count against the connection's
 * {@link OutboundLimit}. Ping, pong and close frames never reach this class: {@link ControlFrames}
 * and Reactor Netty answer them (no control payload leaks into data; spec §1.3).
 *
 * <p><b>Output acknowledgements</b> (PROTOCOL.md §9): after a FLOW reply, every text frame written
 * counts as outstanding until ACKed, and while {@code outstanding >= window} slot output is not polled
 * (it stays in the slot as backlog, so a pty producer pauses and non-pausable output past the hard cap
 * deactivates the terminal, as for a client that stops reading). FLOW (with its reply) and ACK reach the event loop as
 * markers in the direct queue, so the accounting is event-loop only and in order with the replies.
 */
final class ConnectionHandler {
    private static final Logger LOG = LoggerFactory.getLogger(ConnectionHandler.class);
    /** How long a closing connection may take to write its last output before TCP is closed anyway. */
    private static final long CLOSE_GRACE_MILLIS = 5_000;

    /**
     * Which session a connection wants: a new one, or an existing one by id and mode, possibly through
     * a share token (README "Users"; then the share, not the URL, decides the mode).
     */
    record Target(String sessionId, TerminalMode mode, String share) {
        static final Target NEW = new Target(null, TerminalMode.READ_WRITE, null);

        Target(String sessionId, TerminalMode mode) {
            this(sessionId, mode, null);
        }
    }

    private record Data(Opcode opcode, ConnectionRecorder.Channel channel, byte[] payload) {
    }

    /** Close after what is queued before it; code 0 means a TCP close without a close frame. */
    private record Close(int code, String reason) {
    }

    /** A FLOW request's reply and the window (0 = off) that applies to the text frames after it. */
    private record FlowChange(int window, BinaryWebSocketFrame reply) {
    }

    /** An ACK: the client rendered this many more text-frame payload bytes. */
    private record Acknowledged(long bytes) {
    }

    private final ServerOptions options;
    private final SessionRegistry sessions;
    /** Runs a gone peer's detach off the event loop (ending a session may wait for its engine). */
    private final Scheduler detacher;
    /** Where the password stage and file steps run: neither holds up other connections (issue 15.6). */
    private final Scheduler logins;
    private final FileSteps files;
    /** Set when the channel has closed: a slot published after that leaves at once. */
    private volatile boolean peerGone;
    private final Target target;
    private final ArrayDeque<Object> direct = new ArrayDeque<>();
    private final AtomicBoolean drainScheduled = new AtomicBoolean();
    private volatile Channel channel;
    /** The bound on what is queued for this client, direct frames included (README "Security"); null if absent. */
    private volatile OutboundLimit limit;
    private volatile Slot slot;
    private volatile Close slotClose;
    private boolean closing;
    /** Event-loop only: a TCP close is scheduled for a client that does not read while a close waits. */
    private boolean graceScheduled;
    /** Event-loop only: the type of the last data frame (for continuations) and when unanswered terminal input arrived. */
    private ConnectionRecorder.Channel lastReceived = ConnectionRecorder.Channel.FILE;
    private long keystrokeArrived;
    private String peer = "?";
    /** Event-loop only: the FLOW window (0: acknowledgements off) and the text payload bytes sent and not yet ACKed. */
    private int flowWindow;
    private long outstanding;
    /** Security (README "Security"): the server's throttle and per-address count, the peer's address as the bounds count it (AddressKey; null if not IP). */
    private final LoginThrottle throttle;
    private final AddressConnections perAddress;
    private volatile InetAddress address;
    private volatile boolean countedForAddress;
    /** Set once the password stage has an answer (or timed out), so the login timer does nothing. */
    private volatile boolean loginEnded;
    private volatile ScheduledFuture<?> loginTimer;
    private final AuditLog audit;
    /** The requests that touch files; the others (FEATURES, unknown types, listings of sessions) are not audited. */
    private static final java.util.Set<TransferListener.Kind> AUDITED = java.util.Set.of(TransferListener.Kind.PUT,
            TransferListener.Kind.GET, TransferListener.Kind.LIST, TransferListener.Kind.STAT, TransferListener.Kind.DELETE,
            TransferListener.Kind.MKDIR, TransferListener.Kind.RENAME);
    /**
     * Who this connection is, for the audit log and recordings: the client's own address (not the
     * throttle's /64 key) and, once logged in, its user (openTerminal). Without users the user stays null.
     */
    private volatile Peer who = Peer.NONE;
    /** With a users file: the user name of the last password entry, when it is a valid name (for the audit log's login-failed). */
    private volatile String typedName;
    /** The server's flag: a platform without TCP_QUICKACK has been logged ({@link QuickAck}). */
    private final AtomicBoolean quickAckUnsupportedLogged;
    /** How the connection ended, for its one log line (README "Logs"): the first cause named wins. */
    private final AtomicReference<String> ending = new AtomicReference<>();
    private final AtomicBoolean logged = new AtomicBoolean();
    private long opened;
    /** Written on the event loop only: data-frame payload bytes received and sent, for the log line. */
    private volatile long bytesIn;
    private volatile long bytesOut;

    ConnectionHandler(ServerOptions options, SessionRegistry sessions, ConnectionWorkers workers, Target target,
                      LoginThrottle throttle, AddressConnections perAddress, AtomicBoolean quickAckUnsupportedLogged,
                      AuditLog audit) {
        this.quickAckUnsupportedLogged = quickAckUnsupportedLogged;
        this.audit = audit;
        this.throttle = throttle;
        this.perAddress = perAddress;
        this.options = options;
        this.sessions = sessions;
        this.detacher = workers.steps;
        this.logins = workers.logins;
        this.files = workers.files;
        this.target = target;
    }

    Mono<Void> handle(WebsocketInbound in, WebsocketOutbound out) {
        opened = System.nanoTime();
        in.withConnection(c -> {
            channel = c.channel();
            limit = c.channel().pipeline().get(OutboundLimit.class);
            if (limit != null) {
                limit.onExceeded(why -> ended("closed: " + why));
            }
            peer = LogFields.peer(c.channel().remoteAddress());
            // The terminal leaves when TCP closes, not when the inbound stream has ended: that waits for
            // the frame in hand, whose input may wait for room the engine will never make (issue 15.3).
            c.channel().closeFuture().addListener(f -> peerGone());
            if (c.channel().remoteAddress() instanceof InetSocketAddress remote) {
                address = AddressKey.of(remote.getAddress());
                who = new Peer(null, remote.getAddress().getHostAddress());
            }
            c.channel().pipeline().addBefore(NettyPipeline.ReactiveBridge, "webrepl.writability",
                    new ChannelInboundHandlerAdapter() {
                        @Override
                        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
                            drain();
                            ctx.fireChannelWritabilityChanged();
                        }

                        @Override
                        public void channelRead(ChannelHandlerContext ctx, Object msg) {
                            // A valid close frame on its way to Reactor Netty (which echoes it; ControlFrames
                            // answers invalid ones): how the client ended the connection, for the log line.
                            if (msg instanceof CloseWebSocketFrame close) {
                                ended("closed by the client" + code(close.statusCode(), close.reasonText()));
                            }
                            ctx.fireChannelRead(msg);
                        }
                    });
            boolean cli = Boolean.TRUE.equals(c.channel().attr(LegacyClientCompat.CLI_HANDSHAKE).get());
            if (cli) {
                // The CLI writes a frame's header and payload apart without TCP_NODELAY (issue #16 point 6).
                QuickAck.install(c.channel(), quickAckUnsupportedLogged);
            }
            if (!options.pingInterval().isZero()) {
                if (cli) {
                    // The official CLI freezes on a ping (issue #16): TCP keepalive finds a dead peer instead.
                    TcpKeepalive.enable(c.channel(), options.pingInterval(), options.pingTimeout());
                } else {
                    c.channel().pipeline().addBefore(NettyPipeline.ReactiveBridge, PingKeepalive.NAME,
                            new PingKeepalive(options.pingInterval(), options.pingTimeout(), this::pingTimedOut));
                }
            }
        });
        WebReplConnection connection = new WebReplConnection(login(), this::openTerminal,
                (user, replies) -> {
                    // A viewer may only watch: its file requests are refused (README "Sessions"). The
                    // slot's mode counts, not the URL's: a share decides it (README "Users").
                    Slot s = slot;
                    boolean view = s != null ? s.mode() == TerminalMode.VIEW : target.mode() == TerminalMode.VIEW;
                    return new FileTransferChannel(filesOf(user), options.getChunkSize(), options.version(),
                            replies, this::transferEnded, !view,
                            view ? null : (columns, rows) -> {
                                Slot current = slot;
                                if (current != null) {
                                    current.resize(columns, rows);
                                }
                            }, new FlowRequests(),
                            new SessionListing(sessions, session -> mayList(user, session), this::ownSession),
                            options.tenancy() != null && user.named() ? new ShareRequests(user) : null);
                },
                new Wire(), options.recorder());
        // Refused connections (locked out, too many from the address) get a close frame right after the
        // 101 instead of the prompt: a close code tells a client more than a silent TCP close (README "Security").
        boolean admitted = admit();
        if (admitted) {
            synchronized (connection) {
                connection.start();
            }
            startLoginTimer();
        }
        return in.receiveFrames()
                .mapNotNull(this::data)
                .concatMap(d -> !admitted ? Mono.empty() : step(d, () -> {
                    synchronized (connection) {
                        return connection.onFrame(d.opcode(), d.payload());
                    }
                }), 1)
                .then()
                .onErrorResume(AbortedException.class, e -> Mono.empty())
                // A reset by the peer is the peer going away, not our failure: no stack trace, no 1011.
                .onErrorResume(IOException.class, e -> {
                    ended("lost: " + e.getMessage());
                    return Mono.empty();
                })
                // A frame that breaks RFC 6455 framing is the peer's error, and Netty's decoder has already
                // answered it with 1002 (1009 if too long) and closed: one line, no stack trace, no 1011.
                .onErrorResume(io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException.class, e -> {
                    ended("closed on a protocol error: " + e.getMessage());
                    return Mono.empty();
                })
                .onErrorResume(e -> {
                    // Our own failure (a bug): a warning with the trace, then the connection's line.
                    LogFields.with(sessionId(), peer, () -> LOG.warn("connection failed", e));
                    ended("failed: internal error");
                    enqueue(new Close(1011, "internal error"));
                    return Mono.empty();
                })
                // With the file steps: closing aborts an upload (file I/O) and may wait for a stuck step's lock.
                .then(onFiles(() -> {
                    synchronized (connection) {
                        connection.close();
                    }
                    return Mono.empty();
                }))
                // Before the completion goes on: the server's count of open connections (a shutdown waits
                // for it) drops in a doFinally downstream, which runs before this one's.
                .doOnTerminate(this::logEnd)
                .doFinally(signal -> {
                    ScheduledFuture<?> t = loginTimer;
                    if (t != null) {
                        t.cancel(false);
                    }
                    if (countedForAddress) {
                        perAddress.release(address);
                    }
                    Slot s = slot;
                    if (s != null) {
                        s.leave("peer-gone", "peer gone");
                    }
                    logEnd();
                });
    }

    /** Names how the connection ended, unless a cause was named before. */
    private void ended(String how) {
        ending.compareAndSet(null, how);
    }

    /** The connection's one INFO line (README "Logs"): how it ended, its terminal, how long, how many bytes. */
    private void logEnd() {
        if (!logged.compareAndSet(false, true)) {
            return;
        }
        Slot s = slot;
        Channel ch = channel;
        if (ch != null && ch.hasAttr(ControlFrames.CLOSED_BECAUSE)) {
            // ControlFrames answered an invalid close frame itself: nothing else saw it.
            ended(ch.attr(ControlFrames.CLOSED_BECAUSE).get());
        }
        String how = ending.get();
        String terminal = s == null ? "" : ", terminal " + s.number() + " (" + mode(s.mode()) + ")";
        String duration = seconds(System.nanoTime() - opened);
        LogFields.with(sessionId(), peer, () -> LOG.info(
                "connection {}{}, {}, {} bytes in, {} bytes out",
                how == null ? "closed by the client without a close frame" : how, terminal, duration, bytesIn, bytesOut));
    }

    /**
     * {@code 12.559 s}: {@code nanos} in seconds to the millisecond, rounded half up, as {@code %.3f s} says
     * it, without a Formatter for each connection's line (issue #19: 1000 closes, 1000 lines).
     */
    static String seconds(long nanos) {
        long millis = (Math.max(0, nanos) + 500_000) / 1_000_000;
        int fraction = (int) (millis % 1000);
        return new StringBuilder(12).append(millis / 1000).append('.')
                .append((char) ('0' + fraction / 100)).append((char) ('0' + fraction / 10 % 10))
                .append((char) ('0' + fraction % 10)).append(" s").toString();
    }

    /** {@code 30 s}, {@code 500 ms}: a duration as the log line says it. */
    private static String words(Duration d) {
        long ms = d.toMillis();
        return ms % 1000 == 0 ? ms / 1000 + " s" : ms + " ms";
    }

    /** {@code read-write}, {@code view}: as the README names the modes. */
    private static String mode(TerminalMode mode) {
        return mode.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** " with 1000" or " with 1000 \"reason\"" (nothing for a close without a code). */
    private static String code(int code, String reason) {
        if (code <= 0) {
            return "";
        }
        return " with " + code + (reason == null || reason.isEmpty() ? "" : " \"" + reason + "\"");
    }

    /** The connection's channel, once {@link #handle} has begun (tests look at its pipeline); else null. */
    Channel channel() {
        return channel;
    }

    /** TCP has closed: the terminal leaves now, off the event loop (ending a session may wait for its engine). */
    private void peerGone() {
        peerGone = true;
        Slot s = slot;
        if (s == null) {
            return;
        }
        try {
            detacher.schedule(() -> s.leave("peer-gone", "peer gone"));
        } catch (RejectedExecutionException closing) {
            s.leave("peer-gone", "peer gone");
        }
    }

    /**
     * Runs the step of frame {@code d} where it holds up nobody else (issue 15.6): the password stage on
     * the login pool, file frames with the file steps, terminal input on the connection's event loop
     * (it never blocks: it queues for the engine, and a full queue answers later; issue #19: no hand-over
     * to another thread per keystroke). Steps of one connection stay one at a time and in order: the
     * next frame waits for this one.
     */
    private Mono<Void> step(Data d, java.util.function.Supplier<Mono<Void>> step) {
        if (slot == null) {
            return on(task -> logins.schedule(task), step);
        }
        if (d.channel() == ConnectionRecorder.Channel.FILE) {
            return onFiles(step);
        }
        Channel ch = channel;
        if (ch.eventLoop().inEventLoop()) {
            try {
                return step.get();
            } catch (RuntimeException e) {
                return Mono.error(e);
            }
        }
        // The frame before was taken on another thread (input admitted when the engine made room):
        // back to the event loop, so terminal steps never run on an engine's or a file step's thread.
        return on(task -> ch.eventLoop().execute(task), step);
    }

    private Mono<Void> onFiles(java.util.function.Supplier<Mono<Void>> step) {
        return Mono.create(sink -> files.submit(address, run(step, sink), sink::success));
    }

    /** Runs {@code step} with {@code executor} and waits for its result; a rejected step (server closing) just ends. */
    private static Mono<Void> on(java.util.function.Consumer<Runnable> executor, java.util.function.Supplier<Mono<Void>> step) {
        return Mono.create(sink -> {
            try {
                executor.accept(run(step, sink));
            } catch (RejectedExecutionException e) {
                sink.success();
            }
        });
    }

    private static Runnable run(java.util.function.Supplier<Mono<Void>> step, reactor.core.publisher.MonoSink<Void> sink) {
        return () -> {
            try {
                step.get().subscribe(null, sink::error, sink::success);
            } catch (RuntimeException e) {
                sink.error(e);
            }
        };
    }

    /**
     * The password stage: with a users file, {@code NAME:PASSWORD} against it (README "Users"; the
     * viewer password has no meaning there), else the server's password (and viewer password).
     */
    private WebReplConnection.Login login() {
        Tenancy tenancy = options.tenancy();
        if (tenancy == null) {
            return WebReplConnection.Login.of(passwordCheck());
        }
        return entry -> {
            typedName = UserDirectory.typedName(entry).orElse(null);
            InetAddress a = address;
            // As passwordCheck(): a lockout that began while this connection was open applies too.
            return a != null && throttle.lockedOut(a) ? Optional.empty() : tenancy.users().login(entry);
        };
    }

    /** Where {@code user}'s file operations resolve: the user's own root with a users file, else the server's. */
    private FileStore filesOf(User user) {
        Tenancy tenancy = options.tenancy();
        if (tenancy == null || !user.named()) {
            return options.files();
        }
        try {
            return tenancy.roots().storeOf(user);
        } catch (IOException e) {
            // openTerminal made the store a moment ago: it is cached, this does not happen.
            throw new UncheckedIOException(e);
        }
    }

    private PasswordCheck passwordCheck() {
        PasswordCheck main = options.password();
        PasswordCheck viewer = options.viewerPassword();
        PasswordCheck check = target.mode() == TerminalMode.VIEW && viewer != null
                ? entry -> main.matches(entry) | viewer.matches(entry)
                : main;
        // Runs on the worker (a hash costs ~100 ms). A lockout that began while this connection was open
        // applies too: otherwise many connections opened at once would each get a guess.
        return entry -> {
            InetAddress a = address;
            return (a == null || !throttle.lockedOut(a)) && check.matches(entry);
        };
    }

    /** Whether this connection may try to log in; if not, it is being closed with a close code that says why. */
    private boolean admit() {
        InetAddress a = address;
        if (a == null) {
            return true;
        }
        if (throttle.lockedOut(a)) {
            ended("refused: address locked out after failed logins");
            options.recorder().refused("locked-out");
            enqueue(new Close(1008, "too many failed logins; try again later"));
            return false;
        }
        if (!perAddress.tryAcquire(a)) {
            ended("refused: " + options.security().maxConnectionsPerAddress() + " connections from this address already");
            options.recorder().refused("per-address-limit");
            enqueue(new Close(1013, "too many connections from this address"));
            return false;
        }
        countedForAddress = true;
        return true;
    }

    /** Closes with 1008 a connection that has not finished the password stage in time (slow clients hold resources). */
    private void startLoginTimer() {
        Channel ch = channel;
        if (ch == null) {
            return;
        }
        Duration timeout = options.security().loginTimeout();
        try {
            loginTimer = ch.eventLoop().schedule(() -> {
                if (!loginEnded) {
                    loginEnded = true;
                    ended("refused: no password within " + words(timeout));
                    options.recorder().refused("login-timeout");
                    enqueue(new Close(1008, "login timed out"));
                }
            }, timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException gone) {
            // The event loop is shutting down: the connection goes with it.
        }
    }

    /**
     * Which sessions {@code user} may see in the SESSIONS list (PROTOCOL.md §10) and so attach to from
     * it: the one place that decides. On a single-password server every session (whoever knows the
     * password may attach to any session by its id); with a users file the user's own sessions, and
     * every session for an admin (README "Users"): others' reach a user only as share links.
     */
    private boolean mayList(User user, Session session) {
        return options.tenancy() == null || !user.named() || user.admin() || session.ownedBy(user);
    }

    private Session ownSession() {
        Slot s = slot;
        return s == null ? null : s.session();
    }

    /** The session's id once a terminal is attached, else the one asked for (null for a new session). */
    private String sessionId() {
        Slot s = slot;
        return s == null ? target.sessionId() : s.session().id();
    }

    /** A file request ended: the meters, then the audit log (README "Audit log": file operations only). */
    private void transferEnded(TransferListener.Kind kind, String detail, long bytes, FileStatus status,
                               Duration took) {
        options.recorder().transferEnded(kind, detail, bytes, status, took);
        if (AUDITED.contains(kind)) {
            Slot s = slot;
            audit.record(AuditEvent.file(who, s == null ? null : s.session().id(), kind.name(), detail,
                    bytes, status));
        }
    }

    private WebReplConnection.Terminal openTerminal(User user) throws TerminalRefusedException {
        // Called only after a right password (WebReplConnection.login): the address starts afresh.
        loginEnded = true;
        InetAddress a = address;
        if (a != null) {
            throttle.succeeded(a);
        }
        // From now on this connection's file operations, and the session it opens (recording name,
        // audit lines), carry the login's user name (none on a single-password server).
        Peer by = new Peer(user.named() ? user.name() : null, who.address());
        who = by;
        audit.record(AuditEvent.login(by, mode(target.mode())));
        Port port = new Port();
        Slot s;
        Tenancy tenancy = options.tenancy();
        try {
            if (tenancy == null || !user.named()) {
                // The audit log's session-opened (and -ended) come through the registry's recorder.
                s = target.sessionId() == null ? sessions.open(port, a, options.security().maxSessionsPerAddress())
                        : sessions.attach(target.sessionId(), target.mode(), port);
            } else if (target.sessionId() == null) {
                Path root;
                try {
                    root = tenancy.roots().rootOf(user);
                } catch (IOException e) {
                    LogFields.with(null, peer, () -> LOG.warn("user {}'s root cannot be made: {}", user, e.getMessage()));
                    throw new SessionException(1011, "your files cannot be opened");
                }
                s = sessions.open(port, a, options.security().maxSessionsPerAddress(), user, root,
                        tenancy.maxSessionsPerUser());
            } else {
                s = sessions.attach(target.sessionId(), target.mode(), port, user, target.share());
            }
            if (target.sessionId() != null) {
                audit.record(AuditEvent.sessionAttached(by, s.session().id(), mode(s.mode())));
            }
        } catch (SessionException e) {
            ended("refused: " + e.getMessage());
            e.refusal().ifPresent(options.recorder()::refused);
            throw new TerminalRefusedException(e.closeCode(), e.getMessage());
        }
        // One line that names the session, so people and tools can attach to it (README "Sessions"),
        // on a line of its own after the reference's exact login bytes (which end in the legacy
        // ">>> "); the engine's own prompt follows (issue 16 point 7). Queued without a drain, and the
        // slot published right after: the line still goes before the slot's replay (direct frames
        // first), and from now on a close waits for the slot's output.
        TextWebSocketFrame line = new TextWebSocketFrame(Unpooled.wrappedBuffer(
                ("\r\nwebrepl: session /session/" + s.session().id() + "\r\n").getBytes(StandardCharsets.UTF_8)));
        if (admitQueued(line)) {
            synchronized (direct) {
                direct.add(line);
            }
        }
        slot = s;
        LogFields.with(s.session().id(), peer, () -> LOG.debug("terminal {} ({}) attached{}", s.number(), mode(s.mode()),
                user.named() ? " by user " + user.name() + (s.share() != null ? " through a share" : "") : ""));
        if (peerGone) {
            // TCP closed while the login was checked: peerGone() saw no slot yet.
            peerGone();
        }
        Channel ch = channel;
        if (ch != null) {
            InterruptScanner scanner = ch.pipeline().get(InterruptScanner.class);
            if (scanner != null) {
                scanner.onInterrupt(s::interrupt);
            }
        }
        drain();
        return new WebReplConnection.Terminal() {
            @Override
            public Mono<Void> input(long seq, byte[] bytes) {
                return s.offer(seq, bytes);
            }

            @Override
            public void close() {
                s.leave("peer-gone", "peer gone");
            }
        };
    }

    /**
     * The server is closing: a close frame with code 1001 (RFC 6455 §7.4.1), then the TCP close. A
     * connection with a terminal is closed by its session instead, after its last line.
     */
    void goingAway() {
        if (slot == null) {
            enqueue(new Close(1001, "server shutting down"));
        }
    }

    /**
     * On the event loop: the client answered pings before and now sends nothing (half-open). The
     * close frame is a courtesy; TCP is closed at once, since nobody may be reading. The terminal
     * then leaves as gone.
     */
    private void pingTimedOut() {
        Channel ch = channel;
        ended("closed: no answer to ping for " + words(options.pingTimeout()));
        closing = true;
        ch.writeAndFlush(new CloseWebSocketFrame(1001, "no answer to ping")).addListener(ChannelFutureListener.CLOSE);
        if (!ch.isWritable()) {
            ch.close();
        }
    }

    /** Closes the TCP connection at once. */
    void abort() {
        ended("closed: still open when the server's shutdown timeout passed");
        Channel ch = channel;
        if (ch != null) {
            ch.close();
        }
    }

    private void enqueue(Object frameOrClose) {
        if (!admitQueued(frameOrClose)) {
            return;
        }
        synchronized (direct) {
            direct.add(frameOrClose);
        }
        drain();
    }

    /**
     * Counts a frame joining the direct queue against the outbound limit; past it the frame is
     * released and dropped (false), the connection being closed by the limit.
     */
    private boolean admitQueued(Object frameOrClose) {
        OutboundLimit l = limit;
        long n = queuedSize(frameOrClose);
        if (l == null || n == 0 || l.queue(n)) {
            return true;
        }
        if (frameOrClose instanceof WebSocketFrame f) {
            f.release();
        } else if (frameOrClose instanceof FlowChange f) {
            f.reply().release();
        }
        return false;
    }

    private static long queuedSize(Object frameOrClose) {
        if (frameOrClose instanceof WebSocketFrame f) {
            return f.content().readableBytes();
        }
        return frameOrClose instanceof FlowChange f ? f.reply().content().readableBytes() : 0;
    }

    /** Schedules a drain on the event loop (coalesced). */
    private void drain() {
        Channel ch = channel;
        if (ch == null || !drainScheduled.compareAndSet(false, true)) {
            return;
        }
        try {
            ch.eventLoop().execute(this::drainNow);
        } catch (IllegalStateException | RejectedExecutionException gone) {
            drainScheduled.set(false);
        }
    }

    /**
     * On the event loop: writes while the channel is writable, direct frames first, then slot output
     * while the FLOW window has room (PROTOCOL.md §9).
     */
    private void drainNow() {
        drainScheduled.set(false);
        Channel ch = channel;
        if (closing || !ch.isActive()) {
            return;
        }
        boolean wrote = false;
        while (ch.isWritable()) {
            Object next;
            boolean terminalOutput = false;
            boolean closeWaits = false;
            Slot current = slot;
            synchronized (direct) {
                next = direct.peek();
                // A close waits for the terminal output already queued for this client: at shutdown the
                // session's last line is queued just before the server's 1001 close.
                if (next instanceof Close && current != null && current.backlog() > 0) {
                    next = null;
                    closeWaits = true;
                } else {
                    direct.poll();
                }
            }
            OutboundLimit l = limit;
            long leaving = queuedSize(next);
            if (l != null && leaving > 0) {
                // It leaves the queue for the channel's buffer, where the limit sees it again.
                l.queue(-leaving);
            }
            if (next instanceof FlowChange f) {
                // Reply and window in one step: the window counts exactly the text frames after the reply.
                sent(f.reply(), false);
                ch.write(f.reply());
                wrote = true;
                flowWindow = f.window();
                if (f.window() == 0) {
                    outstanding = 0;
                }
                continue;
            }
            if (next instanceof Acknowledged a) {
                // More than is outstanding acknowledges everything (PROTOCOL.md §9).
                outstanding = Math.max(0, outstanding - a.bytes());
                continue;
            }
            if (next == null) {
                Slot s = slot;
                // The slot's close counts only once the slot is published: a session whose engine fails to
                // start closes its slot inside open(), before openTerminal() has queued the session line and
                // published the slot; its drain() then sends the line, the session's last words, the close.
                Close c = s == null ? null : slotClose;
                // A closing connection is not held back by the window: its last output (the session's
                // final line) goes out, bounded by the backlog the session allowed, then the close.
                boolean held = flowWindow > 0 && outstanding >= flowWindow && c == null && !closeWaits;
                byte[] text = s == null || held ? null : s.poll();
                if (text == null) {
                    if (c != null) {
                        next = c;
                    } else {
                        break;
                    }
                } else {
                    // Into a buffer of the channel's pooled allocator: a wrapped heap array would be copied into a
                    // direct buffer by the transport anyway, with a wrapper and NIO views made per frame.
                    next = new TextWebSocketFrame(ch.alloc().directBuffer(text.length).writeBytes(text));
                    terminalOutput = true;
                }
            }
            if (next instanceof Close c) {
                closeNow(ch, c);
                return;
            }
            if (flowWindow > 0 && next instanceof TextWebSocketFrame t) {
                outstanding += t.content().readableBytes();
            }
            sent(next, terminalOutput);
            ch.write(next);
            wrote = true;
        }
        if (wrote) {
            ch.flush();
        }
        if (!ch.isWritable() && !graceScheduled && closeRequested()) {
            // A client that reads nothing keeps the channel unwritable, and the close above is never
            // reached: close TCP after the same grace period as a close frame that does not get out.
            graceScheduled = true;
            ch.eventLoop().schedule(() -> {
                if (ch.isActive()) {
                    ended("closed: it read nothing while closing");
                    ch.close();
                }
            }, CLOSE_GRACE_MILLIS, TimeUnit.MILLISECONDS);
        }
    }

    /** Whether a close waits to be written (from the slot, or queued directly). */
    private boolean closeRequested() {
        if (slotClose != null) {
            return true;
        }
        synchronized (direct) {
            return direct.stream().anyMatch(Close.class::isInstance);
        }
    }

    private void closeNow(Channel ch, Close c) {
        closing = true;
        ended("closed by the server" + code(c.code(), c.reason()));
        if (c.code() == 0) {
            ch.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
            return;
        }
        // Half-close after the frame, not close: a socket closed while the client still sends (its close
        // answer, a key) answers with a reset, and a reset makes the client's kernel drop the close frame
        // it has not read yet (a browser then saw 1006 and re-attached). The client's answer or end
        // closes the connection (Reactor Netty closes it on the close answer; an end of input closes it).
        // A server shutting down (1001) cannot wait for answers: it closes at once, as it always did.
        boolean goingAway = c.code() == 1001;
        ch.writeAndFlush(new CloseWebSocketFrame(c.code(), c.reason())).addListener(f -> {
            if (!goingAway && f.isSuccess() && ch instanceof io.netty.channel.socket.DuplexChannel duplex) {
                duplex.shutdownOutput().addListener(shut -> {
                    if (!shut.isSuccess()) {
                        ch.close();
                    }
                });
            } else {
                ch.close();
            }
        });
        // A client that reads nothing never lets the close frame out: close TCP after a grace period.
        ch.eventLoop().schedule(() -> {
            if (ch.isActive()) {
                ch.close();
            }
        }, CLOSE_GRACE_MILLIS, TimeUnit.MILLISECONDS);
    }

    /** On the event loop: copies a data frame out of its buffer, counts it, and notes terminal input for the echo timer. */
    private Data data(WebSocketFrame frame) {
        Opcode opcode = DataFrames.opcode(frame);
        if (opcode == null) {
            return null;
        }
        ConnectionRecorder.Channel channel = opcode == Opcode.CONTINUATION ? lastReceived
                : opcode == Opcode.TEXT ? ConnectionRecorder.Channel.TERMINAL : ConnectionRecorder.Channel.FILE;
        lastReceived = channel;
        int length = frame.content().readableBytes();
        options.recorder().frameReceived(channel, length);
        bytesIn += length;
        Slot s = slot;
        if (channel == ConnectionRecorder.Channel.TERMINAL && length > 0 && keystrokeArrived == 0 && s != null
                && s.mode() == TerminalMode.READ_WRITE) {
            keystrokeArrived = System.nanoTime();
        }
        return new Data(opcode, channel, ByteBufUtil.getBytes(frame.content()));
    }

    /** On the event loop: counts a data frame written, and stops the echo timer at terminal output. */
    private void sent(Object frame, boolean terminalOutput) {
        if (frame instanceof WebSocketFrame f) {
            bytesOut += f.content().readableBytes();
            options.recorder().frameSent(f instanceof BinaryWebSocketFrame ? ConnectionRecorder.Channel.FILE
                    : ConnectionRecorder.Channel.TERMINAL, f.content().readableBytes());
        }
        if (terminalOutput && keystrokeArrived != 0) {
            options.recorder().keystrokeEchoed(System.nanoTime() - keystrokeArrived);
            keystrokeArrived = 0;
        }
    }

    /** The slot's view of this connection. */
    private final class Port implements SlotPort {
        @Override
        public void outputAvailable() {
            drain();
        }

        @Override
        public void close(int code, String reason) {
            slotClose = new Close(code, reason);
            drain();
        }
    }

    /**
     * SHARE from the file channel (PROTOCOL.md §11, README "Users"): the user is passed along, the
     * sessions decide. A session this user may not manage is as unknown as a missing one (2).
     */
    private final class ShareRequests implements FileTransferChannel.ShareListener {
        private final User user;

        ShareRequests(User user) {
            this.user = user;
        }

        @Override
        public byte[] share(int operation, String target) throws FileStoreException {
            String id = target.isEmpty() ? sessionId() : target;
            try {
                switch (operation) {
                    case FileRequest.SHARE_READ_WRITE, FileRequest.SHARE_VIEW -> {
                        TerminalMode mode = operation == FileRequest.SHARE_VIEW ? TerminalMode.VIEW : TerminalMode.READ_WRITE;
                        String token = sessions.share(id, user, mode);
                        LogFields.with(id, peer, () -> LOG.info("user {} made a {} share", user, mode(mode)));
                        audit.record(AuditEvent.sessionShared(who, id, mode(mode)));
                        return token.getBytes(StandardCharsets.US_ASCII);
                    }
                    case FileRequest.SHARE_LIST -> {
                        StringBuilder list = new StringBuilder();
                        sessions.managed(id, user).shares().forEach((token, mode) -> list.append(token)
                                .append(mode == TerminalMode.VIEW ? " view\n" : " rw\n"));
                        return list.toString().getBytes(StandardCharsets.US_ASCII);
                    }
                    case FileRequest.SHARE_REVOKE -> {
                        if (!sessions.revoke(target, user)) {
                            throw new SessionException(SessionException.POLICY_VIOLATION, "no such share");
                        }
                        LogFields.with(sessionId(), peer, () -> LOG.info("user {} revoked a share", user));
                        return null;
                    }
                    case FileRequest.SHARE_END -> {
                        sessions.managed(id, user).end(Session.POLICY_VIOLATION, "ended by " + user.name(), "ended");
                        LogFields.with(id, peer, () -> LOG.info("ended by user {}", user));
                        return null;
                    }
                    default -> throw new FileStoreException(FileStatus.INVALID_REQUEST, "unknown SHARE operation " + operation);
                }
            } catch (SessionException e) {
                throw new FileStoreException(e.closeCode() == SessionException.TRY_AGAIN_LATER
                        ? FileStatus.NO_SPACE : FileStatus.NOT_FOUND, e.getMessage());
            }
        }
    }

    /** FLOW and ACK from the file channel (on the worker), handed to the event loop in order with the replies. */
    private final class FlowRequests implements FileTransferChannel.FlowListener {
        @Override
        public void flow(int window, byte[] okReply) {
            enqueue(new FlowChange(window, new BinaryWebSocketFrame(Unpooled.wrappedBuffer(okReply))));
        }

        @Override
        public void ack(long bytes) {
            enqueue(new Acknowledged(bytes));
        }
    }

    /** What the WebREPL connection sends; queued in order with everything else. */
    private final class Wire implements WebReplConnection.Wire {
        @Override
        public void text(byte[] payload) {
            enqueue(new TextWebSocketFrame(Unpooled.wrappedBuffer(payload)));
        }

        @Override
        public void binary(byte[] payload) {
            enqueue(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(payload)));
        }

        @Override
        public void closeWithoutFrame() {
            enqueue(new Close(0, ""));
        }

        /** A wrong password: the answer waits as the throttle says, on a timer, so no thread is held. */
        @Override
        public void denied(byte[] answer) {
            loginEnded = true;
            Peer tried = who;
            String name = typedName;
            audit.record(AuditEvent.loginFailed(name == null ? tried : new Peer(name, tried.address())));
            InetAddress a = address;
            LoginThrottle.Failure failure = a == null ? null : throttle.failed(a);
            Duration delay = failure == null ? Duration.ZERO : failure.delay();
            ended("refused: wrong password" + (failure != null && failure.lockedOut() ? "; address now locked out"
                    : delay.isZero() ? "" : "; answer delayed " + words(delay)));
            Runnable deny = () -> {
                TextWebSocketFrame frame = new TextWebSocketFrame(Unpooled.wrappedBuffer(answer));
                boolean admitted = admitQueued(frame);
                synchronized (direct) {
                    if (admitted) {
                        direct.add(frame);
                    }
                    direct.add(new Close(0, ""));
                }
                drain();
            };
            Channel ch = channel;
            if (delay.isZero() || ch == null) {
                deny.run();
                return;
            }
            try {
                ch.eventLoop().schedule(deny, delay.toNanos(), TimeUnit.NANOSECONDS);
            } catch (RejectedExecutionException gone) {
                // The event loop is shutting down: the connection goes with it.
            }
        }

        @Override
        public void close(int code, String reason) {
            enqueue(new Close(code, reason));
        }
    }
}
