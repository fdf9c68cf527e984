package dev.webrepl.transport.server;

import dev.webrepl.core.audit.AuditLog;
import dev.webrepl.dupterm.SessionIds;
import dev.webrepl.dupterm.SessionRegistry;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import dev.webrepl.dupterm.Slot;
import dev.webrepl.dupterm.TerminalMode;
import java.util.function.Consumer;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.ssl.SslContext;
import io.netty.util.ReferenceCountUtil;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Phaser;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.reactivestreams.Publisher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.NettyPipeline;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;
import reactor.netty.http.server.WebsocketServerSpec;
import reactor.netty.http.websocket.WebsocketInbound;
import reactor.netty.http.websocket.WebsocketOutbound;
import reactor.netty.resources.LoopResources;

/**
 * The WebREPL server: HTTP/1.1 and WebSocket on one port. {@code GET /} with an upgrade opens a new
 * session (what every legacy client does); without an upgrade it serves the browser client, as does
 * {@code /session/ID} (spec §9 T3); the client's scripts, styles and icon are under {@code /assets/}
 * (and the icon at {@code /favicon.ico}).
 *
 * <p>Owns its Reactor Netty server and the workers that run connection logic and file I/O off the
 * event loop ({@link ConnectionWorkers}); {@link #close()} releases both.
 */
public final class WebReplServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(WebReplServer.class);
    private final ServerOptions options;
    private final SessionRegistry sessions;
    private final WebClientAssets assets;
    private final ConnectionWorkers workers;
    private final LoopResources loops;
    private final DisposableServer server;
    /** The TLS context this server built from its PEM files (null without TLS); released at close. */
    private final SslContext tls;
    private final Set<ConnectionHandler> open = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean closed = new AtomicBoolean();
    /** One party for the server itself and one per open connection, so close() can wait for them. */
    private final Phaser connections = new Phaser(1);
    /** Failed logins and lockouts per remote address, and open connections per address (README "Security"). */
    private final LoginThrottle throttle;
    /**
     * Failed logins of browser connections (those with an Origin) are counted apart: a page on any
     * site can open one through a sandboxed frame (Origin null, allowed for the official page), and
     * its wrong guesses must not lock the address's CLI and Thonny users out.
     */
    private final LoginThrottle browserThrottle;
    private final AddressConnections perAddress;
    private final AddressConnections inHttpStage;
    /** The Host names a request with an Origin may name (DNS rebinding, README "Security"). */
    private final AllowedHosts hosts;
    /** Set once this server has said (at FINE) that TCP_QUICKACK is not available here ({@link QuickAck}). */
    private final AtomicBoolean quickAckUnsupportedLogged = new AtomicBoolean();
    /** Told of logins, attaches and file operations (README "Audit log"). */
    private final AuditLog audit;

    private WebReplServer(ServerOptions options, SessionRegistry sessions, AuditLog audit) {
        this.options = options;
        this.audit = audit;
        this.sessions = sessions;
        this.throttle = new LoginThrottle(options.security(), options.recorder());
        this.browserThrottle = new LoginThrottle(options.security(), options.recorder());
        this.perAddress = new AddressConnections(options.security().maxConnectionsPerAddress());
        // Connections still in the HTTP stage (pages, assets, upgrades under way) have a cap of their own.
        this.inHttpStage = new AddressConnections(options.security().maxConnectionsPerAddress());
        this.hosts = AllowedHosts.of(options.host(), options.security().allowedHosts());
        if (options.tenancy() != null) {
            // A user gone from the users file loses their sessions and terminals too (README "Users"); the rest carry on.
            options.tenancy().users().onRemoved(names -> sessions.endSessionsOf(names, "user removed"));
            // An admin no more keeps what they may still do (their sessions, what came through shares).
            options.tenancy().users().onDemoted(names -> sessions.closeAdminTerminalsOf(names, "no longer an admin"));
        }
        this.assets = new WebClientAssets(WebReplServer.class.getClassLoader(), sessions.config().linger());
        this.workers = new ConnectionWorkers();
        // Our own event loops, not Reactor Netty's global ones: two servers in one JVM never share state.
        this.loops = LoopResources.create("webrepl-" + Integer.toHexString(System.identityHashCode(this)),
                1, Math.max(2, Runtime.getRuntime().availableProcessors()), true);
        WebsocketServerSpec spec = WebsocketServerSpec.builder()
                .maxFramePayloadLength(options.maxFramePayloadLength())
                .build();
        try {
            this.tls = options.tls() == null ? null : ServerTls.context(options.tls());
        } catch (RuntimeException e) {
            workers.dispose();
            loops.dispose();
            throw e;
        }
        try {
            HttpServer http = HttpServer.create();
            if (tls != null) {
                // One port for wss:// and https://: the SslHandler goes first, our handlers see plain bytes.
                http = http.secure(ssl -> ssl.sslContext(tls));
            }
            if (options.nettyMetrics() != null) {
                // Bounded URI tags: every attach URL would otherwise be a series of its own.
                http = http.metrics(true, options.nettyMetrics(), WebReplServer::uriTag);
            }
            this.server = http
                    .runOn(loops)
                    // Larger heads fail to decode and get Reactor Netty's error answer (HandshakeGuard counts them).
                    .httpRequestDecoder(decoder -> decoder.maxHeaderSize(options.security().maxHeaderBytes()))
                    .host(options.host())
                    .port(options.port())
                    .doOnChannelInit((observer, channel, remote) -> {
                        channel.pipeline()
                                // First, so every read request and outbound byte passes it (README "Security").
                                .addFirst(OutboundLimit.NAME, new OutboundLimit(OutboundLimit.DEFAULT_LIMIT, options.recorder()))
                                .addBefore(NettyPipeline.HttpCodec, EarlyBytesHolder.NAME, new EarlyBytesHolder())
                                .addAfter(NettyPipeline.HttpCodec, LegacyClientCompat.NAME,
                                        new LegacyClientCompat(options.maxFramePayloadLength()))
                                .addBefore(NettyPipeline.ReactiveBridge, InterruptScanner.NAME, new InterruptScanner())
                                .addAfter(NettyPipeline.HttpCodec, HandshakeGuard.NAME,
                                        new HandshakeGuard(options.security().handshakeTimeout(), options.recorder(), inHttpStage));
                        if (channel.pipeline().get(NettyPipeline.SslHandler) != null) {
                            // A plain-text client on the TLS port is told so in words (PlainTextOnTlsPort).
                            channel.pipeline().addBefore(NettyPipeline.SslHandler, PlainTextOnTlsPort.NAME,
                                    new PlainTextOnTlsPort());
                        }
                    })
                    .route(routes -> routes
                            .route(req -> req.method() == HttpMethod.GET && "/".equals(pathOf(req.uri())),
                                    (req, res) -> !hostAllowed(req) ? hostRefused(req, res)
                                            : !isUpgrade(req) ? page(req, res)
                                            : sessions.isDraining() ? draining(res)
                                            : websocket(req, res, ConnectionHandler.Target.NEW, spec))
                            .route(req -> req.method() == HttpMethod.GET
                                            && SESSION_PATH.matcher(pathOf(req.uri())).matches(),
                                    (req, res) -> !hostAllowed(req) ? hostRefused(req, res)
                                            : isUpgrade(req) ? websocket(req, res, attachTarget(req.uri()), spec)
                                            : page(req, res))
                            .route(req -> req.method() == HttpMethod.GET && (pathOf(req.uri()).startsWith("/assets/")
                                            || "/favicon.ico".equals(pathOf(req.uri()))),
                                    (req, res) -> !hostAllowed(req) ? hostRefused(req, res)
                                            : asset(res, pathOf(req.uri()))))
                    .bindNow();
        } catch (RuntimeException e) {
            workers.dispose();
            loops.dispose();
            ReferenceCountUtil.release(tls);
            throw e;
        }
    }

    /** Binds and starts serving; the server owns {@code sessions} from now on. */
    public static WebReplServer start(ServerOptions options, SessionRegistry sessions) {
        return start(options, sessions, AuditLog.NONE);
    }

    /** As above; {@code audit} is told of logins and their failures, attaches and file operations. */
    public static WebReplServer start(ServerOptions options, SessionRegistry sessions, AuditLog audit) {
        return new WebReplServer(options, sessions, java.util.Objects.requireNonNull(audit, "audit"));
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) server.address();
    }

    public int port() {
        return address().getPort();
    }

    /** Whether clients connect with wss:// (and https://) rather than ws://. */
    public boolean isSecure() {
        return tls != null;
    }

    public ServerOptions options() {
        return options;
    }

    public SessionRegistry sessions() {
        return sessions;
    }

    /** WebSocket connections open now, logged in or not (a connection still in the handshake is not counted). */
    public int openConnections() {
        return open.size();
    }

    /**
     * The embedding API's connection-arrived callback slot: {@code callback} runs, off the I/O
     * thread, for every terminal that logs in and attaches (new session or not). Setting replaces the
     * previous callback; {@code null} clears it. Each terminal has its own data-available slot:
     * {@link Slot#setDataAvailableCallback}.
     */
    public void setConnectionArrivedCallback(Consumer<Slot> callback) {
        sessions.setTerminalArrivedCallback(callback);
    }

    /**
     * Lifts the delay and lockout after failed logins (README "Security", brute force) of
     * {@code address}, or of every address when null, for CLI and browser connections alike. An IPv6
     * address stands for its /64, as the throttle counts it.
     *
     * @return how many hard lockouts this lifted
     */
    public int clearLockouts(InetAddress address) {
        InetAddress key = address == null ? null : AddressKey.of(address);
        return throttle.clear(key) + browserThrottle.clear(key);
    }

    /** Whether the server is bound and accepting connections (false once {@link #close()} began). */
    public boolean isListening() {
        return !closed.get() && !server.isDisposed();
    }

    /**
     * Takes no new sessions from now on (until {@link SessionRegistry#undrain()}): a WebSocket upgrade
     * on {@code /} gets HTTP 503 (so a proxy such as nginx, with {@code proxy_next_upstream http_503},
     * tries another node), while
     * the sessions here carry on and terminals still attach to them. See {@link SessionRegistry#drain()}.
     */
    public void drain() {
        sessions.drain();
    }

    public boolean isDraining() {
        return sessions.isDraining();
    }

    /** Completes when the server is draining and its last session has ended. */
    public java.util.concurrent.CompletableFuture<Void> whenDrained() {
        return sessions.whenDrained();
    }

    /** Completes when the server has been closed. */
    public Mono<Void> onClose() {
        return server.onDispose();
    }

    /**
     * {@code /session/{id}}: attach to a running session; {@code ?mode=view} for a viewer. The id may
     * carry a node name ({@code NODE.RANDOM}, {@link dev.webrepl.dupterm.SessionIds}).
     */
    static final Pattern SESSION_PATH = Pattern.compile("/session/(" + SessionIds.ID.pattern() + ")");
    /** A share token: 128 bits as 32 lower-case hex digits ({@link dev.webrepl.dupterm.Session#share}). */
    static final Pattern SHARE_TOKEN = Pattern.compile("[0-9a-f]{32}");

    private Publisher<Void> websocket(HttpServerRequest req, HttpServerResponse res, ConnectionHandler.Target target,
                                      WebsocketServerSpec spec) {
        String origin = req.requestHeaders().get(HttpHeaderNames.ORIGIN);
        if (!originAllowed(origin, req.requestHeaders().get(HttpHeaderNames.HOST), isSecure(),
                options.security().allowedOrigins())) {
            // A page from another site must not drive a session with the user's browser (DESIGN "Security defaults").
            LogFields.with(null, LogFields.peer(req.remoteAddress()),
                    () -> LOG.info("connection refused: WebSocket from origin {} (403)", origin));
            options.recorder().refused("origin");
            return res.status(HttpResponseStatus.FORBIDDEN)
                    .header(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8")
                    .header(HttpHeaderNames.CACHE_CONTROL, "no-store")
                    .sendString(Mono.just("origin not allowed\n"));
        }
        return res.sendWebsocket((in, out) -> track(
                new ConnectionHandler(options, sessions, workers, target, origin == null ? throttle : browserThrottle,
                        perAddress, quickAckUnsupportedLogged, audit), in, out), spec);
    }

    /**
     * The DNS-rebinding rule (README "Security"): a request with an {@code Origin} (a browser's) must
     * name a {@code Host} this server answers to. Without one any Host goes: webrepl_cli sends
     * {@code Host: echo.websocket.org} (spec §1.2) and a plain GET gets the page whatever it names (§9 T3).
     */
    private boolean hostAllowed(HttpServerRequest req) {
        if (!req.requestHeaders().contains(HttpHeaderNames.ORIGIN)) {
            return true;
        }
        // One Origin and one Host, as browsers send them: with two, which one is checked is a guess.
        return req.requestHeaders().getAll(HttpHeaderNames.ORIGIN).size() == 1
                && req.requestHeaders().getAll(HttpHeaderNames.HOST).size() == 1
                && hosts.allows(req.requestHeaders().get(HttpHeaderNames.HOST));
    }

    private Publisher<Void> hostRefused(HttpServerRequest req, HttpServerResponse res) {
        LogFields.with(null, LogFields.peer(req.remoteAddress()), () -> LOG.info("connection refused: request for Host {}"
                + " with Origin {} (403); if that is this server's name, start it with --allowed-host NAME",
                req.requestHeaders().get(HttpHeaderNames.HOST), req.requestHeaders().get(HttpHeaderNames.ORIGIN)));
        options.recorder().refused("host");
        return res.status(HttpResponseStatus.FORBIDDEN)
                .header(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8")
                .header(HttpHeaderNames.CACHE_CONTROL, "no-store")
                .sendString(Mono.just("host not allowed\n"));
    }

    /**
     * The Origin rule: none at all (CLI clients, spec §1.4 point 5), the server's own origin (its
     * host and port as the request's {@code Host} names them, over http or https, so a TLS proxy in
     * front still counts as same-origin), or one of {@code allowed} exactly (case-insensitive).
     */
    static boolean originAllowed(String origin, String host, boolean secure, java.util.List<String> allowed) {
        if (origin == null) {
            return true;
        }
        String o = origin.trim().toLowerCase(java.util.Locale.ROOT);
        for (String a : allowed) {
            if (o.equals(a.trim().toLowerCase(java.util.Locale.ROOT))) {
                return true;
            }
        }
        int sep = o.indexOf("://");
        if (host == null || sep < 0) {
            return false;
        }
        String scheme = o.substring(0, sep);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            return false;
        }
        String own = withoutDefaultPort(host.trim().toLowerCase(java.util.Locale.ROOT), secure ? "https" : "http");
        return !own.isEmpty() && withoutDefaultPort(o.substring(sep + 3), scheme).equals(own);
    }

    private static String withoutDefaultPort(String authority, String scheme) {
        String port = scheme.equals("https") ? ":443" : ":80";
        return authority.endsWith(port) ? authority.substring(0, authority.length() - port.length()) : authority;
    }

    static ConnectionHandler.Target attachTarget(String uri) {
        Matcher m = SESSION_PATH.matcher(pathOf(uri));
        if (!m.matches()) {
            throw new IllegalArgumentException(uri);
        }
        int q = uri.indexOf('?');
        java.util.Map<String, java.util.List<String>> query = q >= 0 ? new QueryStringDecoder(uri).parameters()
                : java.util.Map.of();
        boolean view = query.getOrDefault("mode", java.util.List.of()).contains("view");
        // A share link (README "Users"): the token, if it has the form of one; the share decides the mode.
        String share = query.getOrDefault("share", java.util.List.of()).stream()
                .filter(t -> SHARE_TOKEN.matcher(t).matches()).findFirst().orElse(null);
        return new ConnectionHandler.Target(m.group(1), view ? TerminalMode.VIEW : TerminalMode.READ_WRITE, share);
    }

    private Mono<Void> track(ConnectionHandler handler, WebsocketInbound in, WebsocketOutbound out) {
        return Mono.defer(() -> {
            connections.register();
            open.add(handler);
            Mono<Void> handling = handler.handle(in, out);
            if (closed.get()) {
                handler.goingAway();
            }
            return handling.doFinally(signal -> {
                open.remove(handler);
                connections.arriveAndDeregister();
            });
        });
    }

    /** The URI tag of Reactor Netty's metrics: {@code /}, {@code /session/{id}} or {@code /other}. */
    static String uriTag(String uri) {
        String path = pathOf(uri);
        if ("/".equals(path)) {
            return "/";
        }
        return SESSION_PATH.matcher(path).matches() ? "/session/{id}" : "/other";
    }

    private static boolean isUpgrade(HttpServerRequest req) {
        return req.requestHeaders().containsValue(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET, true);
    }

    private static String pathOf(String uri) {
        int q = uri.indexOf('?');
        return q < 0 ? uri : uri.substring(0, q);
    }

    /**
     * The browser client's page: for {@code /} (a new session), {@code /session/ID} and
     * {@code /session/ID?mode=view}; the page opens its WebSocket to the same path and query.
     */
    private Publisher<Void> page(HttpServerRequest req, HttpServerResponse res) {
        return send(res, assets.page(), "no-store", pagePolicy(req.requestHeaders().get(HttpHeaderNames.HOST)));
    }

    /** A new-session upgrade on a draining server: 503 before any WebSocket, so a proxy may retry elsewhere. */
    private static Publisher<Void> draining(HttpServerResponse res) {
        return res.status(HttpResponseStatus.SERVICE_UNAVAILABLE)
                .header(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8")
                .header(HttpHeaderNames.CACHE_CONTROL, "no-store")
                .header(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE)
                .sendString(Mono.just("draining: this node takes no new sessions\n"));
    }

    private Publisher<Void> asset(HttpServerResponse res, String path) {
        return assets.find(path)
                .map(a -> send(res, a, "no-cache", null))
                .orElseGet(() -> res.status(HttpResponseStatus.NOT_FOUND)
                        .header(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8")
                        .header(HttpHeaderNames.CACHE_CONTROL, "no-store")
                        .sendString(Mono.just("not found\n")));
    }

    private static Publisher<Void> send(HttpServerResponse res, WebClientAssets.Asset asset, String cacheControl,
                                        String policy) {
        HttpServerResponse r = res.status(HttpResponseStatus.OK)
                .header(HttpHeaderNames.CONTENT_TYPE, asset.contentType())
                .header(HttpHeaderNames.CACHE_CONTROL, cacheControl)
                .header("X-Content-Type-Options", "nosniff");
        if (policy != null) {
            r = r.header("Content-Security-Policy", policy);
        }
        return r.sendByteArray(Mono.just(asset.bytes()));
    }

    /** A host[:port] we may echo into a header: no spaces, semicolons or quotes. */
    private static final Pattern SAFE_HOST = Pattern.compile("[A-Za-z0-9.\\-]+(:[0-9]{1,5})?|\\[[0-9A-Fa-f:.]+\\](:[0-9]{1,5})?");

    /**
     * Everything from this server only. xterm.js adds {@code <style>} elements of its own, hence
     * 'unsafe-inline' for styles (never for scripts). Browsers differ on whether 'self' covers
     * ws:/wss: to the same host, so those are named when the Host header is well-formed.
     */
    static String pagePolicy(String host) {
        String connect = host != null && SAFE_HOST.matcher(host).matches()
                ? "'self' ws://" + host + " wss://" + host
                : "'self'";
        return "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
                + "connect-src " + connect + "; object-src 'none'; base-uri 'none'; form-action 'none'; "
                + "frame-ancestors 'none'";
    }

    /** The channels of the open WebSocket connections (tests look at their pipelines). */
    java.util.List<io.netty.channel.Channel> connectionChannels() {
        return open.stream().map(ConnectionHandler::channel).filter(java.util.Objects::nonNull).toList();
    }

    /** The page's bytes (tests compare what a plain GET returns). */
    byte[] pageBytes() {
        return assets.page().bytes();
    }

    /**
     * Stops accepting, closes every connection with close code 1001, waits (up to the shutdown
     * timeout) for their clean-up, ends every session, and releases the workers and event loops.
     * Idempotent.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        Duration timeout = options.shutdownTimeout();
        try {
            server.disposeNow(timeout);
        } catch (IllegalStateException timedOut) {
            server.dispose();
        }
        // Sessions first: each terminal gets its last line and a 1001 close; connections still in the
        // password stage (no session) are told directly.
        sessions.close();
        for (ConnectionHandler h : open) {
            h.goingAway();
        }
        // Connection handlers finish their clean-up (aborting uploads) on the workers: wait for them
        // before the workers go, or that clean-up would be rejected.
        try {
            connections.awaitAdvanceInterruptibly(connections.arriveAndDeregister(), timeout.toMillis(),
                    TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (TimeoutException e) {
            LOG.warn("{} connections still open after {}; closing them", open.size(), timeout);
            for (ConnectionHandler h : open) {
                h.abort();
            }
        }
        workers.dispose();
        loops.disposeLater(Duration.ZERO, timeout).block(timeout.plusSeconds(1));
        // A no-op for the JDK provider's context; kept so a reference-counted one would be released too.
        ReferenceCountUtil.release(tls);
    }
}
