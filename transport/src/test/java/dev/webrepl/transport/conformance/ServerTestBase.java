package dev.webrepl.transport.conformance;

import dev.webrepl.core.files.FileStore;
import dev.webrepl.core.protocol.PasswordCheck;
import dev.webrepl.dupterm.SessionRegistry;
import dev.webrepl.engines.echo.EchoEvaluator;
import dev.webrepl.transport.server.ServerOptions;
import dev.webrepl.transport.server.WebReplServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * One real server per test on an ephemeral loopback port, password {@code secret}, echo engine,
 * file root {@code <tempdir>/root}; every client opened with {@link #connect()} is closed after the
 * test, then the server.
 */
public abstract class ServerTestBase {
    protected static final String PASSWORD = "secret";

    @TempDir
    protected Path tempDir;
    protected Path root;
    protected WebReplServer server;
    private final List<RawWebSocket> clients = new ArrayList<>();

    /** Subclasses adjust the options (chunk size, version, viewer password). */
    protected ServerOptions configure(ServerOptions options) {
        return options;
    }

    /** The sessions of a new server; subclasses pick the engine, limits and recorder (echo, defaults here). */
    protected SessionRegistry newRegistry() {
        return new SessionRegistry(EchoEvaluator::engine, new SecureRandom());
    }

    @BeforeEach
    protected void startServer() throws IOException {
        root = Files.createDirectories(tempDir.resolve("root"));
        server = start(this::configure);
    }

    private WebReplServer start(UnaryOperator<ServerOptions> config) throws IOException {
        FileStore store = new FileStore(root);
        return WebReplServer.start(
                config.apply(ServerOptions.of(PasswordCheck.plain(PASSWORD), store).withPort(0)),
                newRegistry());
    }

    /** Replaces the server with one configured by {@code config} (same root); call before connecting. */
    protected void restartWith(UnaryOperator<ServerOptions> config) throws IOException {
        server.close();
        server = start(config);
    }

    /**
     * Waits until {@code condition} holds, polling an observable state (a file, a counter) with a
     * bounded deadline; not reaching it fails the test.
     */
    protected static void await(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting until " + what);
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(2));
        }
    }

    @AfterEach
    protected void stopServer() throws IOException {
        try {
            for (RawWebSocket c : clients) {
                c.close();
            }
        } finally {
            server.close();
        }
    }

    /** A new raw connection to the server, closed after the test. */
    protected RawWebSocket connect() throws IOException {
        return track(RawWebSocket.connect(server.port())).expectingFirstPrompt(firstPrompt());
    }

    /**
     * The prompt the engine writes when a session starts, which {@link RawWebSocket#login} reads; null
     * for the echo engine here (it writes none, standing in for a board); subclasses say theirs.
     */
    protected String firstPrompt() {
        return null;
    }

    /** Closes {@code c} after the test, with the clients of {@link #connect()}. */
    protected RawWebSocket track(RawWebSocket c) {
        clients.add(c);
        return c;
    }

    /**
     * A new connection that has logged in with the CLI's binary password frame and read the session
     * line that follows the login frame (README "Sessions").
     */
    protected RawWebSocket loggedIn() throws IOException {
        return connect().login(PASSWORD);
    }

    /** A new connection logged in on {@code path}, e.g. {@code /session/<id>} (attach). */
    protected RawWebSocket loggedIn(String path) throws IOException {
        return connect().login(path, PASSWORD);
    }
}
