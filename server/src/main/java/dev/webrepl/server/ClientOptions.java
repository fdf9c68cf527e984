package dev.webrepl.server;

import dev.webrepl.transport.client.ReplConnection;
import dev.webrepl.transport.client.WebReplClient;
import dev.webrepl.transport.client.WireMode;
import java.io.Console;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Function;
import picocli.CommandLine.Option;

/** Options shared by the client commands (put, get, ls, rm, mkdir, mv, ver, repl). */
final class ClientOptions {
    @Option(names = {"-p", "--password"},
            description = "The WebREPL password. Else $" + ServeCommand.PASSWORD_ENV + ", else asked on the terminal.")
    String password;

    @Option(names = "--legacy", description = "Talk exactly like webrepl_cli.py (unmasked frames, fixed key, 1024-byte PUT frames).")
    boolean legacy;

    @Option(names = "--frame-size", description = "PUT data bytes per frame, 1..65535 (default: 1024 with --legacy, else 65535).")
    Integer frameSize;

    @Option(names = "--tls", description = "Connect with wss:// (TLS), trusting the JDK's default certificate authorities.")
    boolean tls;

    @Option(names = "--ca-cert", paramLabel = "FILE", description = "Connect with wss:// (TLS), trusting only the PEM "
            + "certificates in FILE (a CA, or the server's self-signed certificate); implies --tls.")
    Path caCert;

    @Option(names = "--tls-fingerprint", paramLabel = "SHA256", description = "Connect with wss:// (TLS), trusting only "
            + "the server certificate with this SHA-256 fingerprint (as serve --tls-self-signed prints it); implies --tls.")
    String tlsFingerprint;

    @Option(names = "--timeout", defaultValue = "10", description = "Connect and handshake timeout in seconds (default: ${DEFAULT-VALUE}).")
    int timeoutSeconds;

    /** Environment lookup; tests replace it. */
    Function<String, String> environment = System::getenv;

    /** What a command does on a logged-in connection. */
    @FunctionalInterface
    interface ConnectionAction<T> {
        T run(ReplConnection connection) throws Exception;
    }

    /**
     * Connects to {@code remote}, logs in, runs {@code action} and closes the connection and the
     * client; a failure to connect or log in is reported against {@code HOST:PORT}.
     */
    <T> T withConnection(RemoteTarget remote, ConnectionAction<T> action) throws Exception {
        return withConnection(remote, "/", action);
    }

    /** {@link #withConnection(RemoteTarget, ConnectionAction)} to another path ({@code /session/ID}, with a query). */
    <T> T withConnection(RemoteTarget remote, String path, ConnectionAction<T> action) throws Exception {
        String pw = password();
        try (WebReplClient client = newClient(remote.secure())) {
            ReplConnection c;
            try {
                c = client.connectPath(remote.host(), remote.port(), path)
                        .thenCompose(connection -> connection.login(pw).handle((v, e) -> {
                            if (e != null) {
                                connection.close();
                                throw e instanceof java.util.concurrent.CompletionException ce ? ce
                                        : new java.util.concurrent.CompletionException(e);
                            }
                            return connection;
                        })).join();
            } catch (RuntimeException e) {
                throw CliFailure.of(e, remote.host() + ":" + remote.port());
            }
            try (c) {
                return action.run(c);
            }
        }
    }

    WebReplClient newClient() throws CliFailure {
        return newClient(false);
    }

    /** A client as the options say; {@code secure} (a {@code wss://} address) asks for TLS as {@code --tls} does. */
    WebReplClient newClient(boolean secure) throws CliFailure {
        WebReplClient.Builder b = WebReplClient.newBuilder()
                .wireMode(legacy ? WireMode.LEGACY : WireMode.STANDARD)
                .connectTimeout(Duration.ofSeconds(Math.max(1, timeoutSeconds)));
        if (frameSize != null) {
            b.putFrameSize(frameSize);
        }
        if (caCert != null && tlsFingerprint != null) {
            throw new CliFailure(CliFailure.USAGE, "--ca-cert and --tls-fingerprint: give one of them");
        }
        if (tlsFingerprint != null) {
            try {
                b.tlsPinned(tlsFingerprint);
            } catch (IllegalArgumentException e) {
                throw new CliFailure(CliFailure.USAGE, "--tls-fingerprint: " + e.getMessage());
            }
        } else if (caCert != null) {
            b.tls(caCert);
        } else if (tls || secure) {
            b.tls();
        }
        try {
            return b.build();
        } catch (IllegalArgumentException e) {
            throw new CliFailure(CliFailure.USAGE, "--ca-cert: " + e.getMessage());
        }
    }

    /** The password from the option, the environment or the terminal, in that order. */
    String password() throws CliFailure {
        if (password != null) {
            return password;
        }
        String env = environment.apply(ServeCommand.PASSWORD_ENV);
        if (env != null && !env.isEmpty()) {
            return env;
        }
        Console console = System.console();
        if (console == null) {
            throw new CliFailure(CliFailure.USAGE, "no password: use -p, $" + ServeCommand.PASSWORD_ENV + " or a terminal");
        }
        char[] typed = console.readPassword("Password: ");
        if (typed == null) {
            throw new CliFailure(CliFailure.USAGE, "no password given");
        }
        return new String(typed);
    }
}
