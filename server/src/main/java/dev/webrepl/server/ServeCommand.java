package dev.webrepl.server;

import dev.webrepl.core.files.FileStore;
import dev.webrepl.core.protocol.PasswordCheck;
import dev.webrepl.dupterm.SessionRegistry;
import dev.webrepl.engines.echo.EchoEvaluator;
import dev.webrepl.transport.server.ServerOptions;
import dev.webrepl.transport.server.WebReplServer;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code webrepl serve}: runs the server until interrupted. */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Runs the WebREPL server. Each WebSocket connection to / is a new session.")
final class ServeCommand implements Callable<Integer> {
    static final String PASSWORD_ENV = "WEBREPL_PASSWORD";
    private static final String PASSWORD_ALPHABET = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";

    @Spec
    CommandSpec spec;

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "Address to bind (default: ${DEFAULT-VALUE}).")
    String host;

    @Option(names = "--port", defaultValue = "8266", description = "TCP port (default: ${DEFAULT-VALUE}; 0 = any free port).")
    int port;

    @Option(names = "--password", description = "The WebREPL password. Also: $" + PASSWORD_ENV
            + " or --password-file. Without any, a random one is generated and printed once.")
    String password;

    @Option(names = "--password-file", description = "A file whose first line is the password.")
    Path passwordFile;

    @Option(names = "--root", defaultValue = "webrepl-files",
            description = "Directory that file transfers are confined to, created if missing (default: ${DEFAULT-VALUE}).")
    Path root;

    @Option(names = "--get-chunk", defaultValue = "" + ServerOptions.DEFAULT_GET_CHUNK,
            description = "GET payload bytes per frame, 1..65533 (default: ${DEFAULT-VALUE}; the reference sends 256).")
    int getChunk;

    @Override
    public Integer call() throws IOException {
        try (WebReplServer server = start()) {
            Thread hook = new Thread(server::close, "webrepl-shutdown");
            Runtime.getRuntime().addShutdownHook(hook);
            server.onClose().block();
        }
        return 0;
    }

    /** Starts the server as configured and prints where it listens; the caller owns the result. */
    WebReplServer start() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        String pw = resolvePassword(out);
        FileStore store = new FileStore(root);
        ServerOptions options = ServerOptions.of(PasswordCheck.plain(pw), store)
                .withHost(host).withPort(port).withGetChunkSize(getChunk);
        SessionRegistry sessions = new SessionRegistry(EchoEvaluator::engine, new SecureRandom());
        WebReplServer server = WebReplServer.start(options, sessions);
        out.printf("webrepl serving ws://%s:%d/ (files in %s, engine echo)%n",
                server.address().getHostString(), server.port(), store.root());
        out.flush();
        return server;
    }

    private String resolvePassword(PrintWriter out) throws IOException {
        if (password != null) {
            return requireNonEmpty(password, "--password");
        }
        if (passwordFile != null) {
            String first = Files.readAllLines(passwordFile, StandardCharsets.UTF_8).stream().findFirst().orElse("");
            return requireNonEmpty(first.strip(), "--password-file " + passwordFile);
        }
        String env = System.getenv(PASSWORD_ENV);
        if (env != null) {
            return requireNonEmpty(env, "$" + PASSWORD_ENV);
        }
        SecureRandom random = new SecureRandom();
        StringBuilder generated = new StringBuilder();
        for (int i = 0; i < 12; i++) {
            generated.append(PASSWORD_ALPHABET.charAt(random.nextInt(PASSWORD_ALPHABET.length())));
        }
        out.println("Generated password (shown once): " + generated);
        return generated.toString();
    }

    private String requireNonEmpty(String value, String source) {
        if (value.isEmpty()) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "empty password from " + source);
        }
        return value;
    }
}
