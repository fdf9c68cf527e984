package dev.webrepl.server;

import dev.webrepl.core.files.FileStore;
import dev.webrepl.core.protocol.PasswordCheck;
import dev.webrepl.dupterm.SessionRegistry;
import dev.webrepl.engines.echo.EchoEvaluator;
import dev.webrepl.transport.server.ServerOptions;
import dev.webrepl.transport.server.WebReplServer;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.file.Path;
import java.security.SecureRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The client commands against a real server: one per test on an ephemeral loopback port, echo
 * engine, password {@code secret}, files in {@link #serverRoot}; {@link #cli()} prints into
 * {@link #out} and {@link #err}.
 */
abstract class CliTestBase {
    @TempDir
    Path serverRoot;
    @TempDir
    Path local;

    WebReplServer server;
    final StringWriter out = new StringWriter();
    final StringWriter err = new StringWriter();

    /** Subclasses add to the server's options (a recorder). */
    ServerOptions configure(ServerOptions options) {
        return options;
    }

    /** The sessions' engine: echo; subclasses may wrap it. */
    java.util.function.Supplier<dev.webrepl.core.engine.ReplEngine> engines() {
        return EchoEvaluator::engine;
    }

    @BeforeEach
    void startServer() throws IOException {
        server = WebReplServer.start(
                configure(ServerOptions.of(PasswordCheck.plain("secret"), new FileStore(serverRoot)).withPort(0)),
                new SessionRegistry(engines(), new SecureRandom()));
    }

    @AfterEach
    void stopServer() {
        server.close();
    }

    /** {@code webrepl}, printing into {@link #out} and {@link #err}. */
    CommandLine cli() {
        return CapturedCli.webrepl(out, err);
    }

    /** The CLI's {@code host:port:path} for {@code path} on the server. */
    String at(String path) {
        return "127.0.0.1:" + server.port() + ":" + path;
    }
}
