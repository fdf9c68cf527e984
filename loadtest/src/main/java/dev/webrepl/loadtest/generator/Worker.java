package dev.webrepl.loadtest.generator;

import dev.webrepl.transport.client.ConnectionLostException;
import dev.webrepl.transport.client.FileTransferException;
import dev.webrepl.transport.client.LoginFailedException;
import dev.webrepl.transport.client.ReplConnection;
import dev.webrepl.transport.client.ServerClose;
import java.net.ConnectException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One connection of a run: connects from its source address, logs in, waits until the session is
 * ready, then lets the scenario drive it. Every method that touches its state holds the worker's
 * lock: calls come from the connection's event loop and from the run's scheduler thread.
 *
 * <p>Request bookkeeping is shared: a scenario calls {@link #sent()} when it waits for an answer and
 * {@link #answered()} when it came; once the run is stopping, the first moment nothing is
 * outstanding the worker finishes ({@link #drained()}, by default a close).
 */
abstract class Worker implements Unit {
    /** The line our server sends after the login answer (README "Sessions"). */
    private static final Pattern SESSION_LINE = Pattern.compile("/session/((?:[a-z0-9-]{1,32}\\.)?[A-Za-z0-9_-]{22})\r\n");
    /** A server that names no session (the reference) is taken as ready this long after login. */
    private static final long UNNAMED_READY_MILLIS = 500;
    /** How long a worker waits for the engine's first prompt after the session line before it starts anyway. */
    private static final long FIRST_PROMPT_MILLIS = 5000;
    private static final int BANNER_LIMIT = 4096;

    final RunContext ctx;
    final Scenario scenario;
    final InetAddress source;
    private final CompletableFuture<Void> finished = new CompletableFuture<>();
    private final CompletableFuture<String> ready = new CompletableFuture<>();
    private final StringBuilder banner = new StringBuilder();
    /** The session's id once its line arrived, while the engine's first prompt is awaited. */
    private String namedSession;
    private ReplConnection connection;
    private boolean stopping;
    private boolean closing;
    private boolean isReady;
    private long waitingSince = -1;
    private long requests;

    Worker(RunContext ctx, Scenario scenario, InetAddress source) {
        this.ctx = ctx;
        this.scenario = scenario;
        this.source = source;
    }

    /** The path to connect to: {@code /} opens a new session. */
    String path() {
        return "/";
    }

    /** The session is ready for input: start the scenario's loop. Lock held. */
    abstract void onReady();

    /** Terminal output after the session became ready. Lock held. */
    void onOutput(byte[] bytes, int from) {
    }

    @Override
    public final void start() {
        ctx.recorder().attempted(scenario, source);
        CompletableFuture<ReplConnection> connecting;
        try {
            connecting = ctx.client().connectPath(ctx.plan().host(), ctx.plan().port(), path(), source);
        } catch (RuntimeException e) {
            // Refused before any I/O (an address the client cannot use): a failed session, not one left waiting.
            connecting = CompletableFuture.failedFuture(e);
        }
        connecting
                .thenCompose(c -> c.login(ctx.plan().password()).handle((v, e) -> {
                    if (e != null) {
                        c.close();
                        throw e instanceof CompletionException ce ? ce : new CompletionException(e);
                    }
                    return c;
                }))
                .whenComplete((c, e) -> {
                    if (e != null) {
                        ctx.recorder().failed(kind(e));
                        ready.completeExceptionally(e);
                        finished.complete(null);
                    } else {
                        opened(c);
                    }
                });
    }

    private synchronized void opened(ReplConnection c) {
        connection = c;
        ctx.recorder().opened();
        c.onClose().whenComplete((v, e) -> closed());
        if (stopping) {
            closeNow();
            return;
        }
        c.output().subscribe(this::output, e -> { }, () -> { });
        ctx.scheduler().schedule(this::readyAnyway, UNNAMED_READY_MILLIS, TimeUnit.MILLISECONDS);
    }

    private synchronized void output(byte[] bytes) {
        ctx.recorder().received(scenario, bytes.length);
        if (closing) {
            return;
        }
        if (isReady) {
            onOutput(bytes, 0);
            return;
        }
        int before = banner.length();
        banner.append(new String(bytes, StandardCharsets.ISO_8859_1));
        if (namedSession == null) {
            Matcher m = SESSION_LINE.matcher(banner);
            if (!m.find()) {
                if (banner.length() > BANNER_LIMIT) {
                    banner.delete(0, banner.length() - 64);
                }
                return;
            }
            if (!ctx.plan().engineHint().promptAtStart()) {
                becomeReady(m.group(1));
                int rest = m.end() - before;  // output after the session line in the same frame
                if (rest < bytes.length) {
                    onOutput(bytes, Math.max(0, rest));
                }
                return;
            }
            // The engine shows its prompt at once (README "Sessions"): the first request waits for it,
            // so that prompt does not end the first answer.
            namedSession = m.group(1);
            banner.delete(0, m.end());
            ctx.scheduler().schedule(this::readyAnyway, FIRST_PROMPT_MILLIS, TimeUnit.MILLISECONDS);
        }
        if (ctx.plan().engineHint().endsWithPrompt(banner)) {
            becomeReady(namedSession);
        } else if (banner.length() > BANNER_LIMIT) {
            banner.delete(0, banner.length() - 64);
        }
    }

    private synchronized void readyAnyway() {
        if (!isReady && !closing) {
            becomeReady(namedSession);
        }
    }

    private void becomeReady(String sessionId) {
        isReady = true;
        banner.setLength(0);
        ready.complete(sessionId);
        if (stopping) {
            closeNow();
        } else {
            onReady();
        }
    }

    /** The session's id once ready (null from a server that names none); fails if the worker never got there. */
    final CompletableFuture<String> ready() {
        return ready;
    }

    final synchronized ReplConnection connection() {
        return connection;
    }

    /** Whether the scenario may send another request: the run goes on and the count bound holds. Lock held. */
    final boolean mayContinue() {
        return !stopping && !closing && connection != null && ctx.recorder().now() - ctx.stopAt() < 0
                && requests < RunContext.MAX_REQUESTS_PER_SESSION;
    }

    /** A request went out; its answer is awaited. Lock held. */
    final void sent() {
        requests++;
        waitingSince = ctx.recorder().now();
    }

    /** The outstanding answer came. Lock held. */
    final void answered() {
        waitingSince = -1;
        if (stopping) {
            drained();
        }
    }

    final boolean waiting() {
        return waitingSince >= 0;
    }

    /** Stopping, and nothing is outstanding: by default, close. Lock held. */
    void drained() {
        closeNow();
    }

    @Override
    public synchronized void stop() {
        if (stopping) {
            return;
        }
        stopping = true;
        if (connection != null && !waiting()) {
            drained();
        }
    }

    final synchronized boolean isStopping() {
        return stopping;
    }

    @Override
    public synchronized void watchdog(long now) {
        if (waitingSince >= 0 && now - waitingSince > ctx.plan().requestTimeout().toNanos()) {
            abort("timeout");
        }
    }

    /** Closes because of an error of kind {@code kind}: not a lost session. Lock held or not. */
    final synchronized void abort(String kind) {
        if (!closing) {
            ctx.recorder().aborted(kind);
            closeNow();
        }
    }

    /** Closes on the generator's behalf. Lock held or not. */
    final synchronized void closeNow() {
        if (closing) {
            return;
        }
        closing = true;
        waitingSince = -1;
        if (connection != null) {
            connection.close();
        }
    }

    @Override
    public synchronized void forceClose() {
        if (connection == null) {
            stopping = true;  // closed as soon as it opens
        } else {
            abort("drain timeout");
        }
    }

    private synchronized void closed() {
        ctx.recorder().closed(closing ? null : connection.serverClose().map(Worker::closedBy).orElse("closed by server"));
        closing = true;
        ready.completeExceptionally(new ConnectionLostException("closed before the session was ready"));
        finished.complete(null);
    }

    @Override
    public final CompletableFuture<Void> finished() {
        return finished;
    }

    /** A close by the server as an error kind: the status code only, so the kinds stay few. */
    private static String closedBy(ServerClose close) {
        return "closed by server " + close.code();
    }

    /** Errors by kind, as the report counts them. */
    static String kind(Throwable e) {
        Throwable t = e;
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        if (t instanceof ConnectException) {
            return "connect refused";
        }
        if (t instanceof LoginFailedException) {
            return "login denied";
        }
        if (t instanceof FileTransferException f) {
            return "file status " + f.code();
        }
        if (t instanceof io.netty.channel.ConnectTimeoutException || t instanceof java.util.concurrent.TimeoutException) {
            return "timeout";
        }
        if (t instanceof ConnectionLostException lost) {
            return lost.serverClose().map(Worker::closedBy).orElse("connection lost");
        }
        return t.getClass().getSimpleName();
    }
}
