package dev.webrepl.server;

import dev.webrepl.transport.client.ReplConnection;
import dev.webrepl.transport.client.ServerClose;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import org.jline.terminal.Attributes;
import org.jline.terminal.Size;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import reactor.core.Disposable;

/**
 * {@code webrepl repl HOST[:PORT][/session/ID] [--view]}: a raw terminal on a new session or on a
 * running one (issue 17 item 12). Stdin bytes go out as text frames as they are read, text output is
 * written to stdout unchanged (spec §3). Ctrl-] or the end of stdin exits. On a terminal (JLine: raw
 * mode, its size, SIGWINCH) the window size is sent at the start and on every change; without one
 * (piped stdin) the bytes flow as they are. After exit the shell prompt starts on a line of its own.
 */
@Command(name = "repl", mixinStandardHelpOptions = true,
        description = "Opens a terminal on a WebREPL server, on a new session or on a running one. Ctrl-] exits.")
final class ReplCommand implements Callable<Integer> {
    /** Ctrl-], as telnet uses it. */
    static final int EXIT_KEY = 0x1d;

    @Spec
    CommandSpec spec;

    @Mixin
    ClientOptions options;

    @Parameters(index = "0", paramLabel = "HOST[:PORT][/session/ID]",
            description = "The server (port 8266 by default) for a new session, or a running session on it"
                    + " (also ws://HOST:PORT/session/ID).")
    String target;

    @Option(names = "--view", description = "Watch the session without typing into it (HOST:PORT/session/ID?mode=view).")
    boolean view;

    /** Terminal streams; tests replace them. */
    InputStream stdin = System.in;
    OutputStream stdout = System.out;

    /** The terminal whose size is sent; null to use the system's when stdin is one. Tests set one. */
    Terminal terminal;

    /** The last byte written to stdout; the cursor is at column 0 after a newline. */
    private int lastByte = '\n';

    @Override
    public Integer call() {
        var err = spec.commandLine().getErr();
        try {
            RemoteTarget remote = RemoteTarget.parseSession(target);
            if (view && remote.path() == null) {
                throw new CliFailure(CliFailure.USAGE, "--view needs a session: HOST[:PORT]/session/ID");
            }
            String path = remote.path() == null ? "/" : remote.path() + (view ? "?mode=view" : "");
            return options.withConnection(remote, path, c -> session(c, label(remote), err));
        } catch (Exception e) {
            return CliFailure.of(e, target).report(err);
        }
    }

    private static String label(RemoteTarget remote) {
        return remote.path() == null ? remote.toString() : remote.at(null) + remote.path();
    }

    private int session(ReplConnection c, String label, PrintWriter err) throws Exception {
        CompletableFuture<Boolean> userQuit = new CompletableFuture<>();
        err.println("Connected to " + label + (view ? " as a viewer" : "") + ". Ctrl-] exits.");
        err.flush();
        // Raw before the first output (the output waits for its subscriber), so all of it is shown alike.
        Terminal term = terminal != null ? terminal : systemTerminal();
        Attributes saved = term != null ? raw(term) : null;
        Disposable output = c.output().subscribe(this::write,
                e -> userQuit.complete(false), () -> userQuit.complete(false));
        try {
            InputStream in = term != null ? term.input() : stdin;
            if (term != null && !view) {
                sendSize(c, term);
                term.handle(Terminal.Signal.WINCH, signal -> sendSize(c, term));
            }
            Thread reader = new Thread(() -> pump(in, c, userQuit), "webrepl-stdin");
            reader.setDaemon(true);  // a blocked read of stdin cannot be interrupted; it must not hold the JVM
            reader.start();
            boolean quit = userQuit.join();
            output.dispose();
            newLine();
            if (!quit) {
                String why = c.serverClose().map(ServerClose::toString).map(s -> " (" + s + ")").orElse("");
                throw new CliFailure(CliFailure.CONNECTION, label + ": connection closed by the server" + why);
            }
            return 0;
        } finally {
            output.dispose();
            if (term != null) {
                term.handle(Terminal.Signal.WINCH, Terminal.SignalHandler.SIG_DFL);
                term.setAttributes(saved);
                term.flush();
                if (terminal == null) {
                    term.close();
                }
            }
        }
    }

    /** The system terminal when stdin is one (as the JDK's jshell finds it), else null: piped stdin. */
    private Terminal systemTerminal() {
        if (stdin != System.in || System.console() == null) {
            return null;
        }
        try {
            // Not dumb: without a real terminal the bytes are piped as they are.
            return TerminalBuilder.builder().system(true).dumb(false).build();
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /**
     * Raw mode as {@code stty raw -echo} sets it: no line editing, echo or signals (Ctrl-C goes to
     * the remote REPL), blocking reads of at least one byte; returns the previous settings.
     */
    static Attributes raw(Terminal term) {
        Attributes saved = term.getAttributes();
        Attributes raw = new Attributes(saved);
        raw.setLocalFlags(EnumSet.of(Attributes.LocalFlag.ICANON, Attributes.LocalFlag.ECHO,
                Attributes.LocalFlag.IEXTEN, Attributes.LocalFlag.ISIG), false);
        raw.setInputFlags(EnumSet.of(Attributes.InputFlag.IXON, Attributes.InputFlag.ICRNL,
                Attributes.InputFlag.INLCR, Attributes.InputFlag.IGNCR, Attributes.InputFlag.BRKINT,
                Attributes.InputFlag.ISTRIP), false);
        raw.setOutputFlag(Attributes.OutputFlag.OPOST, false);
        raw.setControlChar(Attributes.ControlChar.VMIN, 1);
        raw.setControlChar(Attributes.ControlChar.VTIME, 0);
        term.setAttributes(raw);
        return saved;
    }

    /** Sends the terminal's size (RESIZE, spec §7); a size the protocol cannot carry or a refusal is skipped. */
    static void sendSize(ReplConnection c, Terminal term) {
        Size size = term.getSize();
        if (size == null || size.getColumns() <= 0 || size.getRows() <= 0) {
            return;
        }
        try {
            c.resize(size.getColumns(), size.getRows()).exceptionally(e -> null);
        } catch (RuntimeException e) {
            // out of range, or the connection is gone: the remote keeps its size
        }
    }

    private synchronized void write(byte[] bytes) {
        try {
            stdout.write(bytes);
            stdout.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (bytes.length > 0) {
            lastByte = bytes[bytes.length - 1];
        }
    }

    /** Leaves the cursor at the start of a line, so the shell prompt does not follow the remote's. */
    private synchronized void newLine() {
        if (lastByte != '\n') {
            write(new byte[] {'\r', '\n'});
        }
    }

    private void pump(InputStream in, ReplConnection c, CompletableFuture<Boolean> userQuit) {
        byte[] buf = new byte[4096];
        try {
            for (int n; (n = in.read(buf)) > 0; ) {
                int exit = indexOf(buf, n, EXIT_KEY);
                int upTo = exit < 0 ? n : exit;
                if (upTo > 0 && !view) {  // a viewer's keys would be ignored by the server anyway
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
}
