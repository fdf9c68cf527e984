package dev.webrepl.engines.sandbox;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * One session's sandbox: its cgroups (when the server has them), the command lines that run a
 * program in it, and the limit the session ended at. Made by {@link Sandbox#confine}; closed when
 * the session ends (what is left in its cgroups is killed, the groups removed).
 */
public final class Confinement implements AutoCloseable {
    private final Sandbox sandbox;
    private final String sessionId;
    private final Path root;
    private final Cgroups.Group group;
    private final AtomicBoolean reached = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile Consumer<String> onLimit;

    Confinement(Sandbox sandbox, String sessionId, Path root, Cgroups.Group group) {
        this.sandbox = sandbox;
        this.sessionId = sessionId;
        this.root = root;
        this.group = group;
    }

    String sessionId() {
        return sessionId;
    }

    /** The session's file root on the host (its real path). */
    public Path root() {
        return root;
    }

    /**
     * The command line running {@code program} (an absolute host path and its arguments) with the
     * file root at {@link Sandbox#HOME}, read-write, as working directory and {@code $HOME}, and
     * {@code environment} (nothing else of the server's). A program inside the root is run from
     * there; one outside the system directories is bound read-only at its own path.
     */
    public List<String> command(List<String> program, Map<String, String> environment) {
        return command(program, environment, List.of(), false);
    }

    /** {@link Sandbox#launch}: starts this sandbox's process on the thread that outlives it. */
    public <T> T launch(Launcher.Start<T> start, java.util.function.Function<T, java.util.concurrent.CompletionStage<?>> ended)
            throws java.io.IOException {
        return sandbox.launch(start, ended);
    }

    /**
     * The same, with {@code readOnly} host paths bound read-only at their own paths (a JDK outside
     * the system directories, a class path), for a program that may reserve far more address space
     * than it uses ({@link #command(Bubblewrap, List, boolean)}).
     */
    public List<String> command(List<String> program, Map<String, String> environment, List<String> readOnly,
            boolean reservesAddressSpace) {
        Path executable = Path.of(program.get(0));
        List<String> inside = new ArrayList<>(program);
        Bubblewrap b = sandbox.bubblewrap().bind(root.toString(), Sandbox.HOME);
        readOnly.forEach(p -> b.roBind(p, p));
        if (executable.startsWith(root)) {
            inside.set(0, Sandbox.HOME + "/" + root.relativize(executable));
        } else if (!List.of("usr", "bin", "sbin", "lib", "lib64", "lib32", "libx32")
                .contains(executable.getName(0).toString())) {
            b.roBind(executable.toString(), executable.toString());
        }
        Map<String, String> env = new HashMap<>(environment);
        env.put("HOME", Sandbox.HOME);
        env.put("PWD", Sandbox.HOME);
        env.putIfAbsent("PATH", "/usr/local/bin:/usr/bin:/bin");
        env.putIfAbsent("TERM", "xterm-256color");
        env.put("USER", "webrepl");
        env.put("LOGNAME", "webrepl");
        b.chdir(Sandbox.HOME).environment(env);
        return command(b, inside, reservesAddressSpace);
    }

    /**
     * For engines with a layout of their own (MicroPython binds the root elsewhere): the session's
     * bwrap options without the root, to which the caller adds its binds, directory and environment
     * before {@link #command(Bubblewrap, List)}.
     */
    public Bubblewrap bubblewrap() {
        return sandbox.bubblewrap();
    }

    /**
     * The whole line: the session's process joins its cgroups ({@code /bin/sh} writes its pid, then
     * execs), bwrap with {@code b}'s options, the rlimits, then {@code program} (a path inside).
     */
    public List<String> command(Bubblewrap b, List<String> program) {
        return command(b, program, false);
    }

    /**
     * The same for a program that reserves far more address space than it uses (Node, a JVM: both
     * fail to start under an RLIMIT_AS of a few hundred MiB): with rlimits, its memory is not bounded.
     */
    public List<String> command(Bubblewrap b, List<String> program, boolean reservesAddressSpace) {
        // The tty's Ctrl-C, Ctrl-\ and Ctrl-Z signal the whole foreground group, bwrap's own two
        // processes too, which would die (or stop) of them and end the session: they ignore them
        // (trap '' in the shell that execs bwrap; ignored signals stay ignored across exec), and the
        // program gets them back as default (coreutils env; a shell cannot undo an ignore it inherited).
        List<String> inside = new ArrayList<>(List.of("/usr/bin/env", "--default-signal=INT,QUIT,TSTP", "--"));
        inside.addAll(sandbox.rlimitPrefix(!reservesAddressSpace));
        inside.addAll(program);
        List<String> sandboxed = b.command(inside);
        // The shell joins the session's groups before anything runs, so no process of it is ever outside them.
        StringBuilder script = new StringBuilder("trap '' INT QUIT TSTP && ");
        if (group != null) {
            for (Path procs : group.procsFiles()) {
                script.append("echo $$ > '").append(procs.toString().replace("'", "'\\''")).append("' && ");
            }
        }
        List<String> c = new ArrayList<>(List.of("/bin/sh", "-c", script + "exec \"$@\"", "webrepl-sandbox"));
        c.addAll(sandboxed);
        return List.copyOf(c);
    }

    /**
     * The limit the session passed, for its terminals ({@code memory limit 512 MiB reached}): a
     * process of it was killed for memory (cgroups only; with rlimits an allocation fails instead).
     */
    public Optional<String> limitReached() {
        if (group != null && sandbox.limits().memoryBytes() > 0 && group.oomKills() > 0) {
            return Optional.of(sandbox.limits().memoryReason());
        }
        return Optional.empty();
    }

    /**
     * Tells {@code reason} (on a thread of its own) the first time the session passes a limit
     * while it runs, even if its first process lives on (a shell whose child was killed).
     */
    public void onLimit(Consumer<String> reason) {
        onLimit = reason;
        if (group != null && sandbox.limits().memoryBytes() > 0) {
            sandbox.watch(this);
        }
    }

    /**
     * Tells the {@link #onLimit} consumer now if the session passed a limit: for an engine whose
     * program has just ended, before it closes the confinement (the watcher may not have looked yet).
     */
    public void reportLimit() {
        check();
    }

    void check() {
        Optional<String> why = limitReached();
        Consumer<String> tell = onLimit;
        if (why.isPresent() && tell != null && !closed.get() && reached.compareAndSet(false, true)) {
            sandbox.unwatch(this);
            // Ending the session stops the engine and waits for it: not on the one watcher thread.
            Thread t = new Thread(() -> tell.accept(why.get()), "webrepl-session-" + sessionId + "-limit");
            t.setDaemon(true);
            t.start();
        }
    }

    /** Kills what is left of the session's processes and removes its cgroups. Idempotent. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        sandbox.unwatch(this);
        if (group != null) {
            group.close();
        }
    }
}
