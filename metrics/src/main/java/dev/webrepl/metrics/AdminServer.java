package dev.webrepl.metrics;

import com.fasterxml.jackson.jr.ob.JSON;
import dev.webrepl.dupterm.Session;
import dev.webrepl.metrics.audit.Recording;
import dev.webrepl.metrics.audit.SessionRecordings;
import dev.webrepl.dupterm.SessionIds;
import dev.webrepl.dupterm.SessionRegistry;
import dev.webrepl.dupterm.TerminalMode;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.util.NetUtil;
import io.netty.util.ReferenceCountUtil;
import dev.webrepl.core.tls.TlsFiles;
import javax.net.ssl.SSLException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.reactivestreams.Publisher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;
import reactor.netty.resources.LoopResources;

/**
 * The admin listener (issue #5): plain HTTP next to the WebREPL server, loopback by default.
 *
 * <ul>
 *   <li>{@code GET /metrics}: the Prometheus scrape of {@link WebReplMetrics}.</li>
 *   <li>{@code GET /health}: {@code {"status","listening","sessions","maxSessions","enginePool"}};
 *       200 when up, 503 when down. <em>Down</em> means a new WebREPL client would be turned away:
 *       the server is not listening, or it has its maximum of sessions (a new connection would get
 *       close code 1013).</li>
 *   <li>{@code GET /sessions}: every session: id, engine, created, terminals (all attached),
 *       viewers (those of them view-only), bytesIn, bytesOut, lastActivity, hibernated (README
 *       "Hibernation"); times in ISO-8601.
 *       {@code DELETE /sessions/{id}} ends one (close code 1000, "ended by an administrator"):
 *       204, or 404 if there is no such session.</li>
 *   <li>{@code POST /drain}: the server takes no new sessions from now on (a new-session upgrade gets
 *       503) while its sessions carry on; 202 with {@code {"status":"draining","sessions":N}}. From
 *       then on {@code /health} says {@code "draining"} with 503, so a load balancer stops sending.
 *       {@code POST /undrain} takes that back: 200 with {@code {"status":"accepting","sessions":N}}.</li>
 *   <li>{@code POST /lockouts/clear?address=IP}: lifts the delay or lockout after failed logins of that
 *       address (an IP literal; an IPv6 one stands for its /64), or of every address without the
 *       parameter: 200 with {@code {"address":IP or "all","lifted":N}}, N the hard lockouts lifted;
 *       400 for anything but one IP literal. Logged with the requester's address.</li>
 *   <li>{@code GET /dashboard}: a live page of charts, fed by {@code GET /dashboard/data}, the
 *       samples a sampler of this server takes every second (the last {@value #HISTORY} of them),
 *       so a page opened now shows the last minutes.</li>
 *   <li>{@code GET /recordings} (with session recordings): each recording's name, user, session,
 *       size and start, newest first; {@code GET /recordings/NAME.cast} one file, by a name the
 *       directory lists (any other name: 404); {@code GET /recordings/play} the player page
 *       (xterm.js), which lists them, or plays {@code ?name=NAME}.</li>
 * </ul>
 * Other methods on these paths get 405, other paths 404; errors are JSON {@code {"error": ...}}.
 *
 * <p>Before any of that, {@link AdminGuard} refuses requests from web pages: a {@code Host} this
 * listener does not answer to or a foreign {@code Origin} gets 403, a missing or wrong token (when
 * the options have one) 401; the state-changing requests (POST /drain, POST /undrain, POST
 * /lockouts/clear, DELETE /sessions/{id}) also need the header {@code X-Webrepl-Admin: 1}, else 403.
 *
 * <p>Owns its event loops (never Reactor Netty's global ones), a worker for session ends (an
 * engine's close may block) and the sampler's thread; {@link #close()} releases them all. It does
 * not own the metrics or the sessions it shows.
 */
public final class AdminServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AdminServer.class);
    static final int HISTORY = 600;
    private static final Duration SAMPLE_EVERY = Duration.ofSeconds(1);
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(5);
    private static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";
    private static final String JSON_TYPE = "application/json";
    private static final Pattern SESSION_PATH = Pattern.compile("/sessions/(" + SessionIds.ID.pattern() + ")");
    /** Any name at all: it is looked up among the names the directory lists, never joined to a path. */
    private static final Pattern RECORDING_PATH = Pattern.compile("/recordings/(.+)\\.cast");
    private static final String CAST_TYPE = "application/x-asciicast";
    private static final int CAST_CHUNK = 64 * 1024;
    // The page loads only its own files; nothing from any other origin.
    private static final String PAGE_POLICY =
            "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'";
    private static final String INDEX = """
            webrepl admin
            GET /metrics             Prometheus text format
            GET /health              200 up, 503 down (JSON)
            GET /sessions            sessions (JSON); DELETE /sessions/{id} ends one
            POST /drain              take no new sessions; existing ones carry on
            POST /undrain            take new sessions again
            POST /lockouts/clear     lift failed-login lockouts (?address=IP: that one only)
            (POST and DELETE need the header X-Webrepl-Admin: 1)
            GET /dashboard           live charts
            GET /recordings          session recordings (JSON); /recordings/NAME.cast one of them
            GET /recordings/play     play recordings back (?name=NAME)
            """;

    private final WebReplMetrics metrics;
    private final SessionRegistry sessions;
    private final Supplier<ServerHealth> health;
    private final DashboardAssets assets;
    private final DashboardSampler sampler;
    /** Null values are written: a recording without a user says {@code "user":null}, as its audit lines do. */
    private final JSON json = JSON.std.with(JSON.Feature.WRITE_NULL_PROPERTIES);
    private final LoopResources loops;
    private final Scheduler workers;
    private final Scheduler sampling;
    private final Disposable samplingTask;
    private final DisposableServer server;
    /** The TLS context built from the options' PEM files (null for http://); released at close. */
    private final SslContext tls;
    private final AdminGuard guard;
    private final Lockouts lockouts;
    /** The recordings {@code /recordings} lists and serves; null when the server records nothing. */
    private final SessionRecordings recordings;
    private final AtomicBoolean closed = new AtomicBoolean();

    private AdminServer(AdminOptions options, WebReplMetrics metrics, SessionRegistry sessions,
                        Supplier<ServerHealth> health, Lockouts lockouts, SessionRecordings recordings, Clock clock) {
        this.metrics = metrics;
        this.recordings = recordings;
        this.lockouts = lockouts;
        this.sessions = sessions;
        this.health = health;
        this.assets = new DashboardAssets(AdminServer.class.getClassLoader());
        this.guard = new AdminGuard(options.host(), options.access(), options.tls() != null);
        this.sampler = new DashboardSampler(metrics.registry(), clock, HISTORY);
        String name = "webrepl-admin-" + Integer.toHexString(System.identityHashCode(this));
        this.loops = LoopResources.create(name, 1, 1, true);
        this.workers = Schedulers.newBoundedElastic(2, 1024, name + "-worker", 60, true);
        this.sampling = Schedulers.newSingle(name + "-sampler", true);
        this.samplingTask = sampling.schedulePeriodically(this::sampleQuietly, 0,
                SAMPLE_EVERY.toMillis(), TimeUnit.MILLISECONDS);
        try {
            this.tls = options.tls() == null ? null : tlsContext(options.tls());
            HttpServer http = HttpServer.create();
            if (tls != null) {
                http = http.secure(ssl -> ssl.sslContext(tls));
            }
            this.server = http
                    .runOn(loops)
                    // One request per connection. Reactor Netty 1.3.7 can stop reading a keep-alive connection
                    // when a request arrives before the previous one's operations have ended (reactor-netty
                    // issue 4361, fixed after the version the stack fixes): a client's next request then waits
                    // for ever (RecordingTest's did, once, on a busy machine). Scrapes and the dashboard's
                    // one poll a second cost a loopback connect each.
                    .maxKeepAliveRequests(1)
                    .host(options.host())
                    .port(options.port())
                    .handle(this::handle)
                    .bindNow();
        } catch (RuntimeException e) {
            samplingTask.dispose();
            sampling.dispose();
            workers.dispose();
            loops.dispose();
            throw e;
        }
    }

    /**
     * Binds and starts sampling.
     *
     * @param health asked on every {@code /health}; must be cheap and must not block
     */
    public static AdminServer start(AdminOptions options, WebReplMetrics metrics, SessionRegistry sessions,
                                    Supplier<ServerHealth> health) {
        return start(options, metrics, sessions, health, Lockouts.NONE);
    }

    /**
     * As above, with the WebREPL server's failed-login lockouts, which {@code POST /lockouts/clear} lifts.
     */
    public static AdminServer start(AdminOptions options, WebReplMetrics metrics, SessionRegistry sessions,
                                    Supplier<ServerHealth> health, Lockouts lockouts) {
        return start(options, metrics, sessions, health, lockouts, null);
    }

    /**
     * As above, with the session recordings that {@code GET /recordings} lists, {@code GET
     * /recordings/NAME.cast} serves and {@code /recordings/play} plays; null when nothing is recorded.
     */
    public static AdminServer start(AdminOptions options, WebReplMetrics metrics, SessionRegistry sessions,
                                    Supplier<ServerHealth> health, Lockouts lockouts, SessionRecordings recordings) {
        return new AdminServer(options, metrics, sessions, health, Objects.requireNonNull(lockouts, "lockouts"),
                recordings, Clock.systemUTC());
    }

    /**
     * The JDK's TLS provider (nothing native, no reference-counted memory), as the WebREPL server
     * uses; the message names the files when they cannot be used.
     */
    private static SslContext tlsContext(TlsFiles files) {
        files.requireReadable();
        try {
            return SslContextBuilder.forServer(files.certificateChain().toFile(), files.privateKey().toFile())
                    .sslProvider(SslProvider.JDK)
                    .build();
        } catch (SSLException | IllegalArgumentException e) {
            throw new IllegalArgumentException("cannot use TLS certificate " + files.certificateChain() + " with key "
                    + files.privateKey() + ": " + e.getMessage(), e);
        }
    }

    /** Whether the listener serves https:// rather than http://. */
    public boolean isSecure() {
        return tls != null;
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) server.address();
    }

    /** The bound port (the real one when bound with port 0). */
    public int port() {
        return address().getPort();
    }

    /** The version of uPlot the dashboard serves (from its WebJar). */
    public String uplotVersion() {
        return assets.uplotVersion();
    }

    private void sampleQuietly() {
        try {
            sampler.sample();
        } catch (RuntimeException e) {
            // A failed sample leaves a gap in the charts; the next one tries again.
            LOG.warn("admin: dashboard sample failed", e);
        }
    }

    private Publisher<Void> handle(HttpServerRequest req, HttpServerResponse res) {
        String path = new QueryStringDecoder(req.uri()).path();
        HttpMethod method = req.method();
        // /health stays open for load balancers, / and the dashboard's files are the same for everyone.
        boolean open = path.equals("/health") || path.equals("/") || assets.find(path).isPresent();
        AdminGuard.Refusal refusal = guard.check(req.requestHeaders().getAll(HttpHeaderNames.HOST),
                req.requestHeaders().getAll(HttpHeaderNames.ORIGIN),
                req.requestHeaders().get(HttpHeaderNames.AUTHORIZATION),
                (InetSocketAddress) req.connectionHostAddress(), open);
        if (refusal != null) {
            if (refusal.status() == HttpResponseStatus.UNAUTHORIZED) {
                res.header(HttpHeaderNames.WWW_AUTHENTICATE, "Bearer realm=\"webrepl admin\"");
            }
            return error(res, refusal.status(), refusal.reason());
        }
        boolean confirmed = AdminGuard.confirmed(req.requestHeaders().get(AdminGuard.CONFIRM_HEADER));
        switch (path) {
            case "/":
                return method == HttpMethod.GET ? text(res, HttpResponseStatus.OK, "text/plain; charset=utf-8", INDEX)
                        : notAllowed(res, "GET");
            case "/metrics":
                return method == HttpMethod.GET ? text(res, HttpResponseStatus.OK, PROMETHEUS_TEXT, metrics.scrape())
                        : notAllowed(res, "GET");
            case "/health":
                return method == HttpMethod.GET ? health(res) : notAllowed(res, "GET");
            case "/sessions":
                return method == HttpMethod.GET ? json(res, HttpResponseStatus.OK, sessionList())
                        : notAllowed(res, "GET");
            case "/drain":
                return method != HttpMethod.POST ? notAllowed(res, "POST")
                        : confirmed ? drain(res) : unconfirmed(res);
            case "/undrain":
                return method != HttpMethod.POST ? notAllowed(res, "POST")
                        : confirmed ? undrain(res) : unconfirmed(res);
            case "/lockouts/clear":
                return method != HttpMethod.POST ? notAllowed(res, "POST")
                        : confirmed ? clearLockouts(req, res) : unconfirmed(res);
            case "/recordings":
                return method == HttpMethod.GET ? recordingList(res) : notAllowed(res, "GET");
            case "/dashboard/data":
                return method == HttpMethod.GET ? json(res, HttpResponseStatus.OK, dashboardData())
                        : notAllowed(res, "GET");
            default:
                break;
        }
        Matcher session = SESSION_PATH.matcher(path);
        if (session.matches()) {
            return method != HttpMethod.DELETE ? notAllowed(res, "DELETE")
                    : confirmed ? endSession(res, session.group(1)) : unconfirmed(res);
        }
        Matcher cast = RECORDING_PATH.matcher(path);
        if (cast.matches()) {
            return method == HttpMethod.GET ? recording(res, cast.group(1)) : notAllowed(res, "GET");
        }
        Optional<DashboardAssets.Asset> asset = assets.find(path);
        if (asset.isPresent()) {
            return method == HttpMethod.GET ? asset(res, asset.get()) : notAllowed(res, "GET");
        }
        return error(res, HttpResponseStatus.NOT_FOUND, "no such resource: " + path);
    }

    private Publisher<Void> health(HttpServerResponse res) {
        ServerHealth h = health.get();
        int open = sessions.size();
        int max = sessions.config().maxSessions();
        boolean draining = sessions.isDraining();
        boolean up = h.listening() && open < max && !draining;
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", up ? "up" : draining && h.listening() ? "draining" : "down");
        body.put("listening", h.listening());
        sessions.node().ifPresent(n -> body.put("node", n));
        body.put("sessions", open);
        body.put("maxSessions", max);
        body.put("enginePool", h.enginePool());
        return json(res, up ? HttpResponseStatus.OK : HttpResponseStatus.SERVICE_UNAVAILABLE, body);
    }

    private Publisher<Void> drain(HttpServerResponse res) {
        sessions.drain();
        LOG.info("admin: draining{}: no new sessions; {} sessions carry on",
                sessions.node().map(n -> " node " + n).orElse(""), sessions.size());
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", "draining");
        body.put("sessions", sessions.size());
        return json(res, HttpResponseStatus.ACCEPTED, body);
    }

    private Publisher<Void> undrain(HttpServerResponse res) {
        sessions.undrain();
        LOG.info("admin: undrained{}: taking new sessions again", sessions.node().map(n -> " node " + n).orElse(""));
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", "accepting");
        body.put("sessions", sessions.size());
        return json(res, HttpResponseStatus.OK, body);
    }

    /** Lifts failed-login lockouts; the address must be an IP literal (never a name: no lookup on a request). */
    private Publisher<Void> clearLockouts(HttpServerRequest req, HttpServerResponse res) {
        List<String> given = new QueryStringDecoder(req.uri()).parameters().getOrDefault("address", List.of());
        if (given.size() > 1) {
            return error(res, HttpResponseStatus.BAD_REQUEST, "at most one address");
        }
        InetAddress address = null;
        if (given.size() == 1) {
            address = NetUtil.createInetAddressFromIpAddressString(given.get(0));
            if (address == null) {
                return error(res, HttpResponseStatus.BAD_REQUEST, "address must be an IP address");
            }
        }
        int lifted = lockouts.clear(address);
        String which = address == null ? "all" : address.getHostAddress();
        InetSocketAddress by = req.remoteAddress();
        LOG.info("admin: failed-login lockouts of {} cleared by {}; {} hard lockouts lifted",
                address == null ? "every address" : which, by == null ? "?" : by.getAddress().getHostAddress(), lifted);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("address", which);
        body.put("lifted", lifted);
        return json(res, HttpResponseStatus.OK, body);
    }

    /** A state-changing request without the header no page can send cross-site (it may be a forged form). */
    private Publisher<Void> unconfirmed(HttpServerResponse res) {
        return error(res, HttpResponseStatus.FORBIDDEN,
                "a state-changing request needs the header " + AdminGuard.CONFIRM_HEADER + ": 1");
    }

    private List<Map<String, Object>> sessionList() {
        List<Map<String, Object>> list = new ArrayList<>();
        for (Session s : sessions.sessions()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("id", s.id());
            m.put("engine", s.engineKind());
            if (s.owner().named()) {
                m.put("user", s.owner().name());   // with a users file (README "Users")
            }
            m.put("created", s.created().toString());
            m.put("terminals", s.terminals());
            m.put("viewers", s.terminals(TerminalMode.VIEW));
            m.put("bytesIn", s.inputBytes());
            m.put("bytesOut", s.outputBytes());
            m.put("lastActivity", s.lastActivity().toString());
            m.put("hibernated", s.hibernated());
            list.add(m);
        }
        return list;
    }

    private Publisher<Void> endSession(HttpServerResponse res, String id) {
        Optional<Session> found = sessions.find(id);
        if (found.isEmpty()) {
            return error(res, HttpResponseStatus.NOT_FOUND, "no such session: " + id);
        }
        // Off the event loop: ending closes the engine, which may wait for a process or a JVM.
        return Mono.fromRunnable(() -> found.get().end(Session.NORMAL_CLOSURE, "ended by an administrator", "ended"))
                .subscribeOn(workers)
                .then(Mono.defer(() -> Mono.from(res.status(HttpResponseStatus.NO_CONTENT)
                        .header(HttpHeaderNames.CACHE_CONTROL, "no-store").send())));
    }

    /** The recordings, newest first; read off the event loop (a directory listing). */
    private Publisher<Void> recordingList(HttpServerResponse res) {
        if (recordings == null) {
            return error(res, HttpResponseStatus.NOT_FOUND, "this server records no sessions (serve --record DIR)");
        }
        return Mono.fromCallable(() -> {
                    List<Map<String, Object>> list = new ArrayList<>();
                    for (Recording r : recordings.list()) {
                        Map<String, Object> m = new LinkedHashMap<>();
                        m.put("name", r.name());
                        m.put("user", r.user());
                        m.put("session", r.session());
                        m.put("size", r.size());
                        m.put("started", r.started().toString());
                        list.add(m);
                    }
                    return list;
                })
                .subscribeOn(workers)
                .flatMap(list -> Mono.from(json(res, HttpResponseStatus.OK, list)))
                .onErrorResume(IOException.class, e -> {
                    LOG.warn("admin: cannot list recordings: " + e);
                    return Mono.from(error(res, HttpResponseStatus.INTERNAL_SERVER_ERROR, "cannot list recordings"));
                });
    }

    /**
     * One recording's file, streamed from the file the listing found; 404 for any name the directory
     * does not list (a name from a request is hostile: never a path).
     */
    private Publisher<Void> recording(HttpServerResponse res, String name) {
        if (recordings == null) {
            return error(res, HttpResponseStatus.NOT_FOUND, "this server records no sessions (serve --record DIR)");
        }
        return Mono.fromCallable(() -> recordings.open(name))
                .subscribeOn(workers)
                .flatMap(found -> {
                    if (found.isEmpty()) {
                        return Mono.from(error(res, HttpResponseStatus.NOT_FOUND, "no such recording"));
                    }
                    java.io.InputStream in = found.get();
                    reactor.core.publisher.Flux<byte[]> chunks = reactor.core.publisher.Flux.<byte[]>generate(sink -> {
                                try {
                                    byte[] chunk = in.readNBytes(CAST_CHUNK);
                                    if (chunk.length == 0) {
                                        sink.complete();
                                    } else {
                                        sink.next(chunk);
                                    }
                                } catch (IOException e) {
                                    sink.error(e);
                                }
                            })
                            .subscribeOn(workers)
                            .doFinally(signal -> {
                                try {
                                    in.close();
                                } catch (IOException ignored) {
                                    // Read-only: nothing is lost.
                                }
                            });
                    return Mono.from(res.status(HttpResponseStatus.OK)
                            .header(HttpHeaderNames.CONTENT_TYPE, CAST_TYPE)
                            .header(HttpHeaderNames.CONTENT_DISPOSITION, "attachment; filename=\"" + name + ".cast\"")
                            .header(HttpHeaderNames.CACHE_CONTROL, "no-store")
                            .header("X-Content-Type-Options", "nosniff")
                            .sendByteArray(chunks));
                })
                .onErrorResume(IOException.class, e -> {
                    LOG.warn("admin: cannot read recording " + name + ": " + e);
                    return Mono.from(error(res, HttpResponseStatus.INTERNAL_SERVER_ERROR, "cannot read the recording"));
                });
    }

    /** The samples as columns, the layout uPlot takes: {@code t} in epoch seconds, then one array per series. */
    private Map<String, Object> dashboardData() {
        List<DashboardPoint> points = sampler.points();
        Map<String, Object> series = new LinkedHashMap<>();
        series.put("sessions", column(points, DashboardPoint::sessions));
        series.put("readWriteTerminals", column(points, DashboardPoint::readWriteTerminals));
        series.put("viewers", column(points, DashboardPoint::viewers));
        series.put("bytesInPerSecond", column(points, DashboardPoint::bytesInPerSecond));
        series.put("bytesOutPerSecond", column(points, DashboardPoint::bytesOutPerSecond));
        series.put("echoP50Millis", column(points, DashboardPoint::echoP50Millis));
        series.put("echoP99Millis", column(points, DashboardPoint::echoP99Millis));
        series.put("transfers", column(points, DashboardPoint::transfers));
        series.put("failedTransfers", column(points, DashboardPoint::failedTransfers));
        series.put("disconnects", column(points, DashboardPoint::disconnects));
        series.put("deactivations", column(points, DashboardPoint::deactivations));
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("intervalSeconds", SAMPLE_EVERY.toSeconds());
        body.put("capacity", sampler.capacity());
        body.put("t", column(points, p -> p.epochMillis() / 1000.0));
        body.put("series", series);
        return body;
    }

    private static List<Double> column(List<DashboardPoint> points, ToDoubleFunction<DashboardPoint> value) {
        List<Double> column = new ArrayList<>(points.size());
        for (DashboardPoint p : points) {
            double v = value.applyAsDouble(p);
            // JSON has no NaN: a missing value is null, which uPlot draws as a gap.
            column.add(Double.isFinite(v) ? v : null);
        }
        return column;
    }

    private Publisher<Void> asset(HttpServerResponse res, DashboardAssets.Asset asset) {
        HttpServerResponse r = res.status(HttpResponseStatus.OK)
                .header(HttpHeaderNames.CONTENT_TYPE, asset.contentType())
                // Revalidate every time: the paths do not carry uPlot's or our version.
                .header(HttpHeaderNames.CACHE_CONTROL, "no-cache")
                .header("X-Content-Type-Options", "nosniff");
        if (asset.contentType().startsWith("text/html")) {
            r = r.header("Content-Security-Policy", PAGE_POLICY);
        }
        return r.sendByteArray(Mono.just(asset.bytes()));
    }

    private Publisher<Void> json(HttpServerResponse res, HttpResponseStatus status, Object body) {
        byte[] bytes;
        try {
            bytes = json.asBytes(body);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return res.status(status)
                .header(HttpHeaderNames.CONTENT_TYPE, JSON_TYPE)
                .header(HttpHeaderNames.CACHE_CONTROL, "no-store")
                .header("X-Content-Type-Options", "nosniff")
                .sendByteArray(Mono.just(bytes));
    }

    private static Publisher<Void> text(HttpServerResponse res, HttpResponseStatus status, String type, String body) {
        return res.status(status)
                .header(HttpHeaderNames.CONTENT_TYPE, type)
                .header(HttpHeaderNames.CACHE_CONTROL, "no-store")
                .header("X-Content-Type-Options", "nosniff")
                .sendByteArray(Mono.just(body.getBytes(StandardCharsets.UTF_8)));
    }

    private Publisher<Void> error(HttpServerResponse res, HttpResponseStatus status, String message) {
        return json(res, status, Map.of("error", message));
    }

    private Publisher<Void> notAllowed(HttpServerResponse res, String allowed) {
        res.header(HttpHeaderNames.ALLOW, allowed);
        return error(res, HttpResponseStatus.METHOD_NOT_ALLOWED, "method not allowed; use " + allowed);
    }

    /** Stops listening and sampling and releases the threads. Idempotent. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            server.disposeNow(CLOSE_WAIT);
        } catch (IllegalStateException timedOut) {
            server.dispose();
        } finally {
            samplingTask.dispose();
            sampling.dispose();
            workers.dispose();
            loops.disposeLater(Duration.ZERO, CLOSE_WAIT).block(CLOSE_WAIT.plusSeconds(1));
            // A no-op for the JDK provider's context; kept so a reference-counted one would be released too.
            ReferenceCountUtil.release(tls);
        }
    }
}
