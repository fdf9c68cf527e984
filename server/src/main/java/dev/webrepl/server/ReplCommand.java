package dev.webrepl.server;

import dev.webrepl.transport.client.ReplConnection;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import reactor.core.Disposable;

/**
 * {@code webrepl repl HOST[:PORT]}: a raw terminal. Stdin bytes go out as text frames as they are
 * read, text output is written to stdout unchanged (spec §3). Ctrl-] or the end of stdin exits.
 */
@Command(name = "repl", mixinStandardHelpOptions = true,
        description = "Opens a terminal on a WebREPL server. Ctrl-] exits.")
final class ReplCommand implements Callable<Integer> {
    /** Ctrl-], as telnet uses it. */
    static final int EXIT_KEY = 0x1d;

    @Spec
    CommandSpec spec;

    @Mixin
    ClientOptions options;

    @Parameters(index = "0", paramLabel = "HOST[:PORT]", description = "The server (port 8266 by default).")
    String target;

    /** Terminal streams; tests replace them. */
    InputStream stdin = System.in;
    OutputStream stdout = System.out;

    @Override
    public Integer call() {
        var err = spec.commandLine().getErr();
        try {
            RemoteTarget remote = RemoteTarget.parse(target, false);
            return options.withConnection(remote, c -> session(c, remote, err));
        } catch (Exception e) {
            return CliFailure.of(e, target).report(err);
        }
    }

    private int session(ReplConnection c, RemoteTarget remote, java.io.PrintWriter err) throws Exception {
        CompletableFuture<Boolean> userQuit = new CompletableFuture<>();
        Disposable output = c.output().subscribe(bytes -> {
            try {
                stdout.write(bytes);
                stdout.flush();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, e -> userQuit.complete(false), () -> userQuit.complete(false));
        err.println("Connected to " + remote + ". Ctrl-] exits.");
        err.flush();
        String saved = System.console() != null ? RawTerminal.enter() : null;
        try {
            Thread reader = new Thread(() -> pump(c, userQuit), "webrepl-stdin");
            reader.setDaemon(true);  // a blocked read of stdin cannot be interrupted; it must not hold the JVM
            reader.start();
            boolean quit = userQuit.join();
            if (!quit) {
                throw new CliFailure(CliFailure.CONNECTION, remote + ": connection closed by the server");
            }
            return 0;
        } finally {
            output.dispose();
            if (saved != null) {
                RawTerminal.restore(saved);
            }
        }
    }

    private void pump(ReplConnection c, CompletableFuture<Boolean> userQuit) {
        byte[] buf = new byte[4096];
        try {
            for (int n; (n = stdin.read(buf)) > 0; ) {
                int exit = indexOf(buf, n, EXIT_KEY);
                int upTo = exit < 0 ? n : exit;
                if (upTo > 0) {
                    c.send(Arrays.copyOf(buf, upTo)).join();
                }
                if (exit >= 0) {
                    break;
                }
            }
        } catch (IOException | RuntimeException e) {
            // stdin or the connection failed: end the session either way
        }
        userQuit.complete(true);
    }

    private static int indexOf(byte[] buf, int n, int value) {
        for (int i = 0; i < n; i++) {
            if (buf[i] == value) {
                return i;
            }
        }
        return -1;
    }

    /** {@code stty} on the controlling terminal; only used when a console is attached. */
    static final class RawTerminal {
        private RawTerminal() {
        }

        /** Switches to raw mode without echo; returns the previous settings. */
        static String enter() throws IOException, InterruptedException {
            String saved = stty("-g").trim();
            stty("raw -echo");
            return saved;
        }

        static void restore(String saved) {
            try {
                stty(saved);
            } catch (IOException | InterruptedException e) {
                // the terminal may stay raw; `reset` fixes it, and there is nothing better to do here
            }
        }

        private static String stty(String args) throws IOException, InterruptedException {
            Process p = new ProcessBuilder("sh", "-c", "stty " + args + " </dev/tty")
                    .redirectErrorStream(true).start();
            byte[] out = p.getInputStream().readAllBytes();
            p.waitFor();
            return new String(out, StandardCharsets.US_ASCII);
        }
    }
}
