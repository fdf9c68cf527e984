package dev.webrepl.engines.process;

import dev.webrepl.core.engine.EngineContext;
import dev.webrepl.core.engine.ReplEngine;
import dev.webrepl.engines.sandbox.Confinement;
import dev.webrepl.engines.sandbox.Sandbox;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * The {@code process} engine: any interactive program in a pseudo-terminal, one process per session
 * (DESIGN "Engines"). The tty does the line discipline (echo, editing, Ctrl-C to SIGINT); this class
 * spawns, resizes, and reaps; a {@link PtyChannel} on a {@link PtyLoop} copies bytes both ways at
 * the pace of each side. Engines made with a loop share it (the server's: a few threads for all
 * sessions); without one, an engine makes a loop of its own and closes it with itself.
 */
public final class ProcessEngine implements ReplEngine {
    private static final Logger LOG = LoggerFactory.getLogger(ProcessEngine.class);
    /** After an I/O error, how long the child may take to be reaped before the error counts as a failure. */
    private static final Duration EXIT_AFTER_IO_ERROR = Duration.ofSeconds(1);
    /** After SIGKILL, how long close() waits for the reaper and for the loop to let go of the pty. */
    private static final Duration REAP_TIMEOUT = Duration.ofSeconds(5);
    /** The most descendants of a child that close() signals and waits for. */
    private static final int MAX_TREE = 4096;

    private final ProcessEngineConfig config;
    private final Readiness readiness;
    private final Sandbox sandbox;
    private volatile Confinement confinement;
    private final AtomicBoolean started = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final AtomicBoolean reported = new AtomicBoolean();
    private volatile boolean closing;
    private volatile EngineContext context;
    private final PtyLoop sharedLoop;
    private final AtomicBoolean stopped = new AtomicBoolean();
    private volatile PtyChild process;
    private volatile PtyLoop ownLoop;
    private volatile PtyChannel channel;

    public ProcessEngine(ProcessEngineConfig config) {
        this(config, Readiness.TERMINAL_TAKEN);
    }

    /** A process engine that reports itself ready (input held until then) by {@code readiness}. */
    public ProcessEngine(ProcessEngineConfig config, Readiness readiness) {
        this(config, readiness, Sandbox.none());
    }

    /**
     * A process engine whose program runs in {@code sandbox} (README "Sandbox and limits"): then the
     * session's file root ({@link EngineContext#workingDirectory()}, not the config's) is its only
     * writable place and its working directory, and a limit it passes ends the session with the reason.
     */
    public ProcessEngine(ProcessEngineConfig config, Readiness readiness, Sandbox sandbox) {
        this(config, readiness, sandbox, null);
    }

    /**
     * As {@link #ProcessEngine(ProcessEngineConfig, Readiness, Sandbox)}, the pty served by {@code loop}
     * (shared by the sessions of a server, which closes it after them); null: a loop of its own.
     */
    public ProcessEngine(ProcessEngineConfig config, Readiness readiness, Sandbox sandbox, PtyLoop loop) {
        this.config = config;
        this.readiness = readiness;
        this.sandbox = sandbox;
        this.sharedLoop = loop;
    }

    /** What tells that the program can take terminal input ({@link ReadyProbe}). */
    public enum Readiness {
        /** It reads the tty, or has taken it out of canonical mode (shells, cat, readline, JLine). */
        TERMINAL_TAKEN,
        /**
         * It turned the tty's signal characters off (ISIG): a program started in a tty set up raw by a
         * wrapper (the micropython engine), which turns ISIG off exactly when its line editor reads.
         */
        SIGNALS_OFF
    }

    /** Spawns the program; an I/O exception here (no such program, no such directory) fails the session. */
    @Override
    public void start(EngineContext context) throws IOException {
        if (!started.compareAndSet(false, true)) {
            throw new IllegalStateException("process engine already started");
        }
        this.context = context;
        String[] program = command();
        String[] command = program;
        Map<String, String> environment = new HashMap<>(config.environment());
        environment.putIfAbsent("TERM", "xterm-256color");
        // The session's directory: its owner's root with a users file (README "Users"), else the file root.
        Path directory = context.workingDirectory();
        if (sandbox.confines()) {
            Confinement c = sandbox.confine(context.sessionId(), context.workingDirectory());
            confinement = c;
            command = c.command(List.of(program), environment).toArray(String[]::new);
            environment = new HashMap<>(Map.of("PATH", "/usr/bin:/bin"));
            directory = c.root();
            c.onLimit(reason -> report(() -> context.limitReached(reason)));
        }
        PtyChild p;
        try {
            List<String> line = List.of(command);
            Map<String, String> env = environment;
            Path dir = directory;
            // On the sandbox's launcher: bwrap's --die-with-parent would end the session with the thread that started it.
            p = sandbox.launch(() -> PtyChild.spawn(line, env, dir, config.columns(), config.rows()), PtyChild::onExit);
        } catch (IOException | RuntimeException | LinkageError e) {
            closeConfinement();
            throw new IOException("cannot start " + String.join(" ", program) + ": " + e.getMessage(), e);
        }
        process = p;
        PtyChannel c;
        try {
            c = connect(p, context);
        } catch (IOException | RuntimeException | LinkageError e) {
            p.killAndReap();
            p.close();
            closeOwnLoop();
            closeConfinement();
            throw new IOException("cannot serve the pty of " + String.join(" ", program) + ": " + e.getMessage(), e);
        }
        channel = c;
        if (closed.get()) {
            // close() ran while we were spawning and found nothing to stop.
            stop(p, c, hangUp(p));
            closeConfinement();
        }
    }

    /** Puts the pty on the loop and starts the readiness probe, which releases input (reportsReady). */
    private PtyChannel connect(PtyChild p, EngineContext context) throws IOException {
        PtyLoop loop = sharedLoop;
        if (loop == null) {
            loop = new PtyLoop("webrepl-session-" + context.sessionId() + "-pty");
            ownLoop = loop;
        }
        PtyChannel c = new PtyChannel(loop, p, context.output(), new PtyChannel.Events() {
            @Override
            public void outputEnded() {
                ProcessEngine.this.outputEnded();
            }

            @Override
            public void readFailed(IOException e) {
                ProcessEngine.this.readFailed(e);
            }

            @Override
            public void writeFailed(IOException e) {
                ProcessEngine.this.writeFailed(e);
            }
        });
        context.pausable(c);
        c.start(context.input());
        ReadyProbe probe = new ReadyProbe(p.pid(), p.master(), readiness);
        PtyLoop on = loop;
        long deadline = System.nanoTime() + ReadyProbe.GIVE_UP_AFTER.toNanos();
        on.execute(() -> probe(on, probe, c, deadline, 1));
        return c;
    }

    /**
     * One look of the readiness probe, on the loop's task pool, again after {@code pause} ms (backing
     * off to 20) until the child takes input, the probe gives up, or input waits (the session stopped
     * holding it: its bound passed); then input goes to the pty.
     */
    private void probe(PtyLoop loop, ReadyProbe probe, PtyChannel c, long deadline, long pause) {
        if (closing) {
            return;
        }
        if (c.hasWork()) {
            c.releaseInput();
            return;
        }
        if (!ReadyProbe.canLook() || probe.ready()) {
            context.ready();
            c.releaseInput();
            return;
        }
        if (System.nanoTime() - deadline >= 0) {
            c.releaseInput();
            return;
        }
        loop.later(() -> probe(loop, probe, c, deadline, Math.min(20, pause * 2)), pause);
    }

    @Override
    public String kind() {
        return "process";
    }

    /** Input and Ctrl-C wait until the child takes terminal input ({@link ReadyProbe}). */
    @Override
    public boolean reportsReady() {
        return true;
    }

    /** Ctrl-C: written to the pty ahead of waiting input, by the loop; returns at once. */
    @Override
    public void interrupt() {
        PtyChannel c = channel;
        if (c != null && !closing) {
            c.interrupt();
        }
    }

    /** Resizes the terminal; the child gets SIGWINCH. */
    @Override
    public void resize(int columns, int rows) {
        if (columns <= 0 || rows <= 0) {
            throw new IllegalArgumentException("terminal size must be positive: " + columns + "x" + rows);
        }
        PtyChild p = process;
        if (p != null && !closing && p.isAlive()) {
            try {
                p.resize(columns, rows);
            } catch (IOException e) {
                debug("resizing the pty", e);
            }
        }
    }

    /** The child's process id (for logs and diagnostics). */
    public long pid() {
        PtyChild p = process;
        if (p == null) {
            throw new IllegalStateException("process engine not started");
        }
        return p.pid();
    }

    /** Whether the output reader is parked by {@link dev.webrepl.core.engine.Pausable#pause()}. */
    boolean readerParked() {
        PtyChannel c = channel;
        return c != null && c.parked();
    }

    /** Whether input goes to the pty now (the readiness probe let it, or gave up waiting). */
    boolean inputReleased() {
        PtyChannel c = channel;
        return c != null && c.inputReleased();
    }

    /** Whether a write waits for the pty to take input (the child does not read). */
    boolean writerStalled() {
        PtyChannel c = channel;
        return c != null && c.writeStalled();
    }

    /**
     * SIGHUP and SIGTERM to the child (as when a terminal closes), up to {@code killGrace} for it and
     * its descendants to end, then SIGKILL to the survivors; reaps, and takes the pty off the loop. Idempotent.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        closing = true;
        PtyChild p = process;
        PtyChannel c = channel;
        if (p == null || c == null) {
            closeConfinement();
            return;
        }
        Hangup h = hangUp(p);
        PtyLoop loop = sharedLoop != null ? sharedLoop : ownLoop;
        // On a shared loop the rest (the wait for the child, SIGKILL after the grace, the pty's release)
        // runs on its task pool, so that sessions closing together signal their children together and
        // the loop reaps them as they go (issue #19: 1000 sessions closed within a second). On the loop
        // thread itself (the session ended from what the loop handed it: a slow consumer dropped) it must,
        // as the loop reaps the child it would wait for. An engine's own loop keeps close() synchronous.
        if ((sharedLoop != null || loop.inLoop()) && loop.execute(() -> {
            stop(p, c, h);
            closeConfinement();
        })) {
            return;
        }
        stop(p, c, h);
        closeConfinement();
    }

    private void closeConfinement() {
        Confinement c = confinement;
        if (c != null) {
            c.close();
        }
    }

    private void stop(PtyChild p, PtyChannel c, Hangup h) {
        if (!stopped.compareAndSet(false, true)) {
            return;
        }
        closing = true;
        try {
            // The loop keeps watching the child meanwhile: it reaps it.
            terminate(p, h);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.kill();
        }
        try {
            // The loop lets go of the pty before it is closed (its number may be reused at once).
            if (!c.stop(REAP_TIMEOUT)) {
                warn("the pty loop did not let go of the pty");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (!p.reap()) {
            warn("process " + p.pid() + " not reaped");
        }
        p.close();
        closeOwnLoop();
    }

    private void closeOwnLoop() {
        PtyLoop loop = ownLoop;
        if (loop != null) {
            loop.close();
        }
    }

    /** What a hang-up leaves to wait for: the child's descendants at that moment, until the grace's end. */
    private record Hangup(List<ProcessHandle> tree, long deadline) {
    }

    /** SIGHUP and SIGTERM to the child's process group, its tree taken first (then it is reparented, out of sight). */
    private Hangup hangUp(PtyChild p) {
        List<ProcessHandle> tree = descendants(p.pid());
        long deadline = System.nanoTime() + config.killGrace().toNanos();
        p.hangUp();
        return new Hangup(tree, deadline);
    }

    private void terminate(PtyChild p, Hangup hangup) throws InterruptedException {
        List<ProcessHandle> tree = hangup.tree();
        long deadline = hangup.deadline();
        boolean ended = p.waitFor(remaining(deadline), TimeUnit.NANOSECONDS);
        for (ProcessHandle h : tree) {
            ended &= awaitExit(h, remaining(deadline));
        }
        if (ended) {
            return;
        }
        for (ProcessHandle h : tree) {
            h.destroyForcibly();
        }
        p.kill();
        if (!p.waitFor(REAP_TIMEOUT.toNanos(), TimeUnit.NANOSECONDS)) {
            warn("process " + p.pid() + " not reaped after SIGKILL");
        }
    }

    /**
     * The processes under {@code pid}, read from /proc/PID/task/TID/children (Linux 3.5+): the size of
     * the tree, where ProcessHandle.descendants() reads every process of the system (with 1000
     * sessions, 1000 closes read /proc a million times). At most {@link #MAX_TREE}.
     */
    static List<ProcessHandle> descendants(long pid) {
        List<ProcessHandle> found = new ArrayList<>();
        for (long c : descendantPids(pid, MAX_TREE)) {
            ProcessHandle.of(c).ifPresent(found::add);
        }
        return found;
    }

    /**
     * The pids under {@code pid}, breadth first, at most {@code max}: read from the children lists of its
     * threads (the size of the tree), or where the kernel has none, from ProcessHandle.descendants().
     */
    static List<Long> descendantPids(long pid, int max) {
        Path own = Path.of("/proc", Long.toString(pid), "task", Long.toString(pid), "children");
        List<Long> found = new ArrayList<>();
        if (!Files.exists(own)) {
            ProcessHandle.of(pid).ifPresent(h -> h.descendants().limit(max).forEach(d -> found.add(d.pid())));
            return found;
        }
        java.util.ArrayDeque<Long> todo = new java.util.ArrayDeque<>(List.of(pid));
        while (!todo.isEmpty() && found.size() < max) {
            long p = todo.poll();
            try (java.nio.file.DirectoryStream<Path> tasks = Files.newDirectoryStream(
                    Path.of("/proc", Long.toString(p), "task"))) {
                for (Path task : tasks) {
                    for (String child : Files.readString(task.resolve("children")).trim().split(" ")) {
                        if (!child.isEmpty() && found.size() < max) {
                            long c = Long.parseLong(child);
                            found.add(c);
                            todo.add(c);
                        }
                    }
                }
            } catch (IOException | RuntimeException gone) {
                // The process ended meanwhile: its children are reparented, out of this tree.
            }
        }
        return found;
    }

    private static boolean awaitExit(ProcessHandle h, long nanos) throws InterruptedException {
        if (!h.isAlive()) {
            return true;
        }
        try {
            h.onExit().get(Math.max(0, nanos), TimeUnit.NANOSECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (ExecutionException e) {
            return !h.isAlive();
        }
    }

    private static long remaining(long deadline) {
        return Math.max(0, deadline - System.nanoTime());
    }

    /** End of output: the child exited (reaped by the loop) and its output is delivered. Its exit status ends the session. */
    private void outputEnded() {
        try {
            int status = process.waitFor();
            Confinement c = confinement;
            java.util.Optional<String> limit = c == null ? java.util.Optional.empty() : c.limitReached();
            if (limit.isPresent()) {
                report(() -> context.limitReached(limit.get()));
                return;
            }
            report(() -> context.exited(status));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** A read error is the end of output if the child is gone (Linux answers EIO then). */
    private void readFailed(Exception e) {
        if (e instanceof IOException && exitsSoon()) {
            int status = process.exitValue();
            report(() -> context.exited(status));
        } else {
            report(() -> context.failed(e));
        }
    }

    /** A write error while the child lives is a failure; after its exit the reader reports the end. */
    private void writeFailed(IOException e) {
        if (!exitsSoon()) {
            report(() -> context.failed(e));
        }
    }

    private boolean exitsSoon() {
        try {
            return process.waitFor(EXIT_AFTER_IO_ERROR.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Reports the end once, and not at all when the session closed us. */
    private void report(Runnable end) {
        if (!closing && reported.compareAndSet(false, true)) {
            end.run();
        }
    }

    /** The command with its program resolved as execve would, so that a missing one fails here, clearly. */
    private String[] command() throws IOException {
        String[] command = config.command().toArray(String[]::new);
        command[0] = executable(config).toString();
        return command;
    }

    /**
     * Why {@code config}'s program cannot be started, in one line (no such directory, no such program,
     * not executable), or empty: what a server checks at start, so that a mistyped {@code --command}
     * is refused then rather than in every session (issue 17 item 7). The program can still vanish
     * later; a session then ends with the same line.
     */
    public static java.util.Optional<String> startProblem(ProcessEngineConfig config) {
        try {
            executable(config);
            return java.util.Optional.empty();
        } catch (IOException e) {
            return java.util.Optional.of(e.getMessage());
        }
    }

    private static Path executable(ProcessEngineConfig config) throws IOException {
        Path dir = config.workingDirectory();
        if (!Files.isDirectory(dir)) {
            throw new IOException("cannot start process: working directory " + dir + " is not a directory");
        }
        String program = config.command().get(0);
        Path executable = program.contains("/") ? dir.resolve(program) : onPath(config, program);
        if (executable == null || !Files.isRegularFile(executable) || !Files.isExecutable(executable)) {
            throw new IOException("cannot start process: " + program + " is not an executable file"
                    + (program.contains("/") ? "" : " on PATH " + config.environment().getOrDefault("PATH", "(unset)")));
        }
        return executable;
    }

    /** Looks {@code program} up on the child's PATH (not the server's: the child has only its own environment). */
    private static Path onPath(ProcessEngineConfig config, String program) {
        String path = config.environment().getOrDefault("PATH", "");
        for (String d : path.split(":")) {
            if (!d.isEmpty()) {
                Path candidate = Path.of(d, program);
                if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                    return candidate;
                }
            }
        }
        return null;
    }

    /** A warning about this engine's session, with the session as a log field (README "Logs"). */
    private void warn(String message) {
        try (MDC.MDCCloseable session = MDC.putCloseable("session", context.sessionId())) {
            LOG.warn(message);
        }
    }

    private void debug(String message, Throwable e) {
        try (MDC.MDCCloseable session = MDC.putCloseable("session", context.sessionId())) {
            LOG.debug(message, e);
        }
    }
}
