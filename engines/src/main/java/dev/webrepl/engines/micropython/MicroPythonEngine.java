package dev.webrepl.engines.micropython;

import dev.webrepl.core.engine.EngineContext;
import dev.webrepl.core.engine.EngineOutput;
import dev.webrepl.core.engine.EngineRecorder;
import dev.webrepl.core.engine.Pausable;
import dev.webrepl.core.engine.ReplEngine;
import dev.webrepl.core.engine.TerminalSize;
import dev.webrepl.engines.process.ProcessEngine;
import dev.webrepl.engines.process.ProcessEngineConfig;
import dev.webrepl.engines.sandbox.Confinement;
import dev.webrepl.engines.sandbox.Sandbox;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import reactor.core.publisher.Flux;

/**
 * The {@code micropython} engine: MicroPython's REPL as a board shows it (issue 16 point 5). Each
 * REPL runs as a {@link ProcessEngine} child in a pty set up like a board's UART; when it ends after
 * input (Ctrl-D at {@code >>> }, {@code machine.soft_reset()}, {@code sys.exit()}, Ctrl-D on an empty
 * raw REPL line), that was a soft reset: a new REPL starts in the same session, after
 * {@code MPY: soft reboot\r\n}, and the terminals stay attached. A REPL that ends without having been
 * given input crashed at start: the session ends with the reason (no restart loop).
 */
public final class MicroPythonEngine implements ReplEngine {
    private static final Logger LOG = LoggerFactory.getLogger(MicroPythonEngine.class);
    private static final byte[] CTRL_A = {0x01};
    private static final byte[] CTRL_C = {0x03};

    /**
     * Run by {@code /bin/sh} in the pty before the REPL ({@code "$@"}), so nothing races it:
     * <ul>
     * <li>the tty translates nothing (raw: no ONLCR, no ICRNL, no IXON) and echoes nothing, as a UART;</li>
     * <li>ISIG stays on, so Ctrl-C while code runs is SIGINT, which the unix port turns into
     *     KeyboardInterrupt (its readline turns ISIG off at the prompt and reads Ctrl-C as a byte);
     *     Ctrl-\ and Ctrl-Z are not signals (a stopped REPL would hang the session); noflsh keeps the
     *     output a Ctrl-C would otherwise drop;</li>
     * <li>SIGINT is ignored by the wrapper and so by bwrap, which would otherwise die of it; the REPL
     *     installs its own handler while it runs code.</li>
     * </ul>
     */
    static final String PTY_SETUP = "trap '' INT QUIT TSTP; "
            + "stty raw -echo isig -iexten noflsh intr '^C' quit undef susp undef || exit 125; exec \"$@\"";

    private final MicroPythonRuntime runtime;
    private final Duration killGrace;
    private final Sandbox sandbox;
    // The session's sandbox (cgroups, rlimits), shared by its REPLs across soft resets.
    private volatile Confinement confinement;
    private final Object lock = new Object();
    private final InputRelay input = new InputRelay();
    private final ForwardingPausable pausable = new ForwardingPausable();
    private volatile EngineContext context;
    private volatile BoardOutput output;
    // Written under the lock; read without it where the caller must not wait (interrupt on an I/O thread).
    private volatile Child current;
    private boolean closed;
    private int children;

    public MicroPythonEngine(MicroPythonRuntime runtime, Duration killGrace) {
        this(runtime, killGrace, Sandbox.none());
    }

    /**
     * A MicroPython engine whose REPLs run in the session's confinement from {@code sandbox} (its limits;
     * README "Sandbox and limits") when the runtime is sandboxed and the sandbox confines.
     */
    public MicroPythonEngine(MicroPythonRuntime runtime, Duration killGrace, Sandbox sandbox) {
        this.runtime = runtime;
        this.killGrace = killGrace;
        this.sandbox = sandbox;
    }

    @Override
    public boolean reportsReady() {
        // The session holds input (Thonny's Ctrl-C at connect) until the first REPL reads a line: the
        // unix port turns ISIG off then (the wrapper's raw tty keeps it on), Node's raw mode likewise.
        return true;
    }

    @Override
    public String kind() {
        return "micropython";
    }

    @Override
    public void start(EngineContext context) throws IOException {
        synchronized (lock) {
            if (this.context != null) {
                throw new IllegalStateException("micropython engine already started");
            }
            this.context = context;
        }
        output = new BoardOutput(context.output(), runtime.bareNewlines());
        if (sandbox.confines() && runtime.sandboxed()) {
            Confinement c = sandbox.confine(context.sessionId(), context.workingDirectory());
            confinement = c;
            c.onLimit(context::limitReached);
        }
        context.pausable(pausable);
        input.start(context.input());
        try {
            spawn(null);
        } catch (IOException | RuntimeException e) {
            closeConfinement();
            throw e;
        }
    }

    /** The program line of one REPL: the pty setup, then the runtime's command for the session's root. */
    List<String> command(Path root) {
        List<String> c = new ArrayList<>(List.of("/bin/sh", "-c", PTY_SETUP, "micropython"));
        c.addAll(runtime.command(root, confinement));
        return c;
    }

    private void closeConfinement() {
        Confinement c = confinement;
        if (c != null) {
            c.close();
        }
    }

    /** Starts a REPL; {@code first} (Ctrl-A for a raw restart) is its first input. */
    private void spawn(byte[] first) throws IOException {
        Child child;
        synchronized (lock) {
            if (closed) {
                return;
            }
            TerminalSize size = context.terminalSize();
            ProcessEngineConfig config = new ProcessEngineConfig(command(context.workingDirectory().toAbsolutePath()),
                    Map.of("PATH", "/usr/bin:/bin", "LANG", "C.UTF-8"), context.workingDirectory(),
                    size.columns(), size.rows(), killGrace);
            child = new Child(new ProcessEngine(config, ProcessEngine.Readiness.SIGNALS_OFF, sandbox.unconfined()),
                    input.next(first), ++children);
            current = child;
            // Under the lock: close() waits for a REPL being spawned and then stops it.
            child.engine.start(child);
        }
    }

    @Override
    public void interrupt() {
        Child c = current;
        if (c != null) {
            c.interrupted = true;
            output.input(CTRL_C);
            c.engine.interrupt();
        }
    }

    @Override
    public void resize(int columns, int rows) {
        Child c = current;
        if (c != null) {
            c.engine.resize(columns, rows);
        }
    }

    /** The running REPL's process id (the pty's child: the wrapper, exec'd into bwrap or the binary). */
    public long pid() {
        synchronized (lock) {
            if (current == null) {
                throw new IllegalStateException("no MicroPython running");
            }
            return current.engine.pid();
        }
    }

    /** Stops the running REPL (SIGHUP, SIGTERM, then SIGKILL; bwrap's --die-with-parent takes its sandbox along). */
    @Override
    public void close() {
        Child c;
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            c = current;
            current = null;
        }
        if (c != null) {
            c.engine.close();
        }
        closeConfinement();
    }

    /** A REPL ended (on its pty reader's thread): reboot on another thread, which reaps this one first. */
    private void ended(Child child, int status) {
        Thread t = new Thread(() -> reboot(child, status),
                "webrepl-session-" + context.sessionId() + "-micropython-reboot-" + child.number);
        t.setDaemon(true);
        t.start();
    }

    private void reboot(Child child, int status) {
        child.engine.close();
        java.util.Optional<String> limit = confinement == null ? java.util.Optional.empty() : confinement.limitReached();
        if (limit.isPresent()) {
            // Killed for memory: not a soft reset, whatever the input was.
            synchronized (lock) {
                if (closed || current != child) {
                    return;
                }
                current = null;
                closed = true;
            }
            context.limitReached(limit.get());
            return;
        }
        boolean raw = output.inRawRepl();
        boolean softReset = child.wasTalkedTo();
        synchronized (lock) {
            if (closed || current != child) {
                return;
            }
            current = null;
            closed = !softReset;
        }
        if (!softReset) {
            // Not a soft reset (that always follows input): a REPL that cannot start. No restart loop.
            context.failed(new IOException("MicroPython exited with status " + status + " before any input; not restarted"));
            return;
        }
        output.softReboot(raw);
        try {
            spawn(raw ? CTRL_A : null);
        } catch (IOException | RuntimeException e) {
            try (MDC.MDCCloseable session = MDC.putCloseable("session", context.sessionId())) {
                LOG.warn("MicroPython did not restart: {}", e.getMessage());
            }
            context.failed(e);
        }
    }

    /** What one REPL's {@link ProcessEngine} sees: the session's context, with input and end handled here. */
    private final class Child implements EngineContext {
        final ProcessEngine engine;
        final InputRelay.View input;
        final int number;
        /**
         * Ctrl-C counts as input: the unix port restores SIGINT's default after running code (its
         * {@code -c} root script too) and turns ISIG off only when it reads the next line, so a Ctrl-C
         * in between (Thonny sends one at connect) can end it; that is restarted like a soft reset.
         */
        volatile boolean interrupted;

        Child(ProcessEngine engine, InputRelay.View input, int number) {
            this.engine = engine;
            this.input = input;
            this.number = number;
        }

        /** Whether the REPL was given anything: only then can its end be a soft reset. */
        boolean wasTalkedTo() {
            return interrupted || input.hadInput();
        }

        @Override
        public String sessionId() {
            return context.sessionId();
        }

        @Override
        public Path workingDirectory() {
            return context.workingDirectory();
        }

        @Override
        public dev.webrepl.core.users.User user() {
            return context.user();
        }

        @Override
        public TerminalSize terminalSize() {
            return context.terminalSize();
        }

        @Override
        public EngineRecorder recorder() {
            return context.recorder();
        }

        @Override
        public Flux<byte[]> input() {
            // Told before the pty gets it, so before its echo can appear.
            return input.flux().doOnNext(output::input);
        }

        @Override
        public EngineOutput output() {
            return new BoardEngineOutput(output);
        }

        @Override
        public void pausable(Pausable producer) {
            pausable.set(producer);
        }

        @Override
        public void ready() {
            // The first REPL's readiness is the session's; later ones (soft resets) get input relayed.
            context.ready();
        }

        @Override
        public void exited(int status) {
            ended(this, status);
        }

        @Override
        public void failed(Throwable error) {
            synchronized (lock) {
                if (closed || current != this) {
                    return;
                }
            }
            context.failed(error);
        }
    }

    /** The pty reader writes with {@link #write} only (it is paused instead of blocked: {@link Pausable}). */
    private record BoardEngineOutput(BoardOutput board) implements EngineOutput {
        @Override
        public void write(byte[] bytes) {
            board.write(bytes);
        }

        @Override
        public WriteResult tryWrite(byte[] bytes) {
            throw new UnsupportedOperationException("a MicroPython REPL's output is written, never tried");
        }

        @Override
        public void writeBlocking(byte[] bytes) {
            throw new UnsupportedOperationException("a MicroPython REPL's output is written, never blocked on");
        }
    }

    /** The session pauses one producer; this one is whichever REPL runs, and a new one starts paused if need be. */
    private static final class ForwardingPausable implements Pausable {
        private Pausable target;
        private boolean paused;

        synchronized void set(Pausable p) {
            target = p;
            if (paused) {
                p.pause();
            }
        }

        @Override
        public synchronized void pause() {
            paused = true;
            if (target != null) {
                target.pause();
            }
        }

        @Override
        public synchronized void resume() {
            paused = false;
            if (target != null) {
                target.resume();
            }
        }
    }
}
