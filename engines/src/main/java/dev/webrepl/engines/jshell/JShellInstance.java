package dev.webrepl.engines.jshell;

import dev.webrepl.core.engine.TerminalOutput;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import jdk.jshell.JShell;
import jdk.jshell.Snippet;
import jdk.jshell.SnippetEvent;
import javax.tools.StandardJavaFileManager;
import javax.tools.StandardLocation;

/**
 * One started and warmed JShell with its output stream; what {@link JShellPool} keeps ready and a
 * {@link JShellEvaluator} uses until {@code /reset}, a terminated state engine, or the end of the session.
 */
public final class JShellInstance implements AutoCloseable {
    // Evaluating a block compiles and runs code without leaving a variable behind for /vars.
    private static final String WARM_UP = "{ int warm = 1; }";

    private final JShell jshell;
    private final ChildJvm child;
    private final CompileGate gate;
    private final TerminalStream output;
    private final AtomicBoolean terminated = new AtomicBoolean();
    private final SnippetIds ids;
    // The warm-up's snippets: not the user's and not the start-up's, so /list never shows them.
    private final Set<String> warmUpIds = ConcurrentHashMap.newKeySet();

    private JShellInstance(JShell jshell, ChildJvm child, CompileGate gate, TerminalStream output, SnippetIds ids) {
        this.jshell = jshell;
        this.child = child;
        this.gate = gate;
        this.output = output;
        this.ids = ids;
        jshell.onShutdown(j -> terminated.set(true));
    }

    /**
     * Builds a JShell, evaluates the start-up snippets and one warm-up snippet (the first evaluation is
     * the slow one: it starts javac and, for remote execution, the child JVM).
     */
    public static JShellInstance start(JShellConfig config) {
        return starting(config).awaitStarted();
    }

    /** The same, its evaluations compiling only when {@code gate} lets them. */
    static JShellInstance start(JShellConfig config, CompileGate gate) {
        return starting(config, gate).awaitStarted();
    }

    /**
     * As {@link #start(JShellConfig)}, but with REMOTE execution it returns once JShell has compiled the
     * start-up and warm-up snippets, while its child JVM may still be starting: the child runs them
     * behind ({@link ChildJvm#runBehind()}), so a restore's replay compiles meanwhile.
     * {@link #awaitStarted()} waits for the child and says whether it started.
     */
    public static JShellInstance starting(JShellConfig config) {
        return starting(config, CompileGate.forThisMachine());
    }

    /** As {@link #starting(JShellConfig)}, its evaluations compiling only when {@code gate} lets them. */
    static JShellInstance starting(JShellConfig config, CompileGate gate) {
        return starting(config, config.execution() == JShellConfig.Execution.REMOTE
                ? ChildJvm.unconfined(config) : null, gate);
    }

    /**
     * As {@link #starting(JShellConfig, CompileGate)} with REMOTE execution in {@code child}, a child JVM
     * as a session's sandbox runs it (null for LOCAL execution).
     */
    static JShellInstance starting(JShellConfig config, ChildJvm child, CompileGate gate) {
        TerminalStream output = new TerminalStream();
        PrintStream print = new PrintStream(output, true, StandardCharsets.UTF_8);
        SnippetIds ids = new SnippetIds();
        JShell.Builder builder = JShell.builder().out(print).err(print).idGenerator(ids::id)
                .tempVariableNameGenerator(ids::nextTemporaryName).fileManager(JShellInstance::noClassPath);
        if (config.execution() == JShellConfig.Execution.LOCAL) {
            // Local execution whose user classes cannot call System.exit (see ExitTrappingExecutionControl).
            builder.executionEngine(gate.around(new ExitTrappingExecutionControl.Provider(print)), java.util.Map.of());
        } else {
            builder.executionEngine(gate.around(child), java.util.Map.of());
        }
        JShell jshell = builder.build();
        try {
            // A child that has ended already has closed jshell: onShutdown, in the constructor, says so.
            JShellInstance instance = new JShellInstance(jshell, child, gate, output, ids);
            if (child != null) {
                child.runBehind();
                child.behind(ChildJvm.STARTING);
            }
            for (String snippet : config.startup()) {
                instance.evalQuietly(snippet);
            }
            instance.evalQuietly(WARM_UP).forEach(s -> instance.warmUpIds.add(s.id()));
            ids.userSnippetsStartAfterLast();
            return instance;
        } catch (RuntimeException e) {
            // Before closing, which ends a child that is still starting (and so its handshake).
            Optional<String> failure = child == null ? Optional.empty() : child.awaitFailure();
            jshell.close();
            if (failure.isPresent()) {
                throw new IllegalStateException(failure.get(), e);
            }
            throw e;
        }
    }

    /**
     * Waits until the child JVM (REMOTE) has run the start-up and warm-up snippets; throws, having
     * closed this instance, when it did not start or one of them failed. Returns this instance; at
     * once if started already.
     */
    public JShellInstance awaitStarted() {
        if (child != null) {
            checkStarted(child.caughtUp());
        }
        return this;
    }

    private void checkStarted(SortedMap<Integer, String> failed) {
        if (child.failure().isPresent()) {
            close();
            throw new IllegalStateException(child.failure().get());
        }
        if (failed.containsKey(ChildJvm.STARTING)) {
            close();
            throw new IllegalStateException("JShell start-up snippet failed: " + failed.get(ChildJvm.STARTING));
        }
    }

    /**
     * A replay begins: with REMOTE execution the child runs the snippets behind JShell's compilation
     * ({@link ChildJvm#runBehind()}), so their evaluations show no value and no exception; returns
     * whether it does. {@link #replaying(int)} names each snippet before its evaluation, and
     * {@link #replayed()} tells which failed.
     */
    boolean replay() {
        if (child == null) {
            return false;
        }
        child.runBehind();
        return true;
    }

    /** The replayed snippet evaluated next, by its index in the replay. */
    void replaying(int index) {
        if (child != null) {
            child.behind(index);
        }
    }

    /**
     * Waits until the child has run the replay; returns why snippets failed there, by index
     * ({@code threw java.io.IOException}, {@code stopped}, ...). Throws, having closed this instance, if
     * the child did not start.
     */
    SortedMap<Integer, String> replayed() {
        if (child == null) {
            return new TreeMap<>();
        }
        SortedMap<Integer, String> failed = child.caughtUp();
        checkStarted(failed);
        return failed;
    }

    /**
     * Snippets compile against the JDK only, as in the jshell tool without {@code --class-path}. JShell's
     * compiler would otherwise take the server's class path (javac's default in a JVM: the
     * {@code java.class.path} property), i.e. webrepl's jar, and index its 12,000 entries in every
     * instance: about 2 MB of heap per live JShell (released only by a finalizer once closed) and time
     * in every start and restore (BENCHMARKS "JShell at scale: hibernated sessions and restores").
     */
    private static StandardJavaFileManager noClassPath(StandardJavaFileManager files) {
        try {
            files.setLocationFromPaths(StandardLocation.CLASS_PATH, List.of());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return files;
    }

    /**
     * Evaluates {@code source} once the server's compile gate lets it compile; no events (and nothing
     * evaluated) if {@code cancelled} says so while it waits.
     */
    List<SnippetEvent> eval(String source, java.util.function.BooleanSupplier cancelled) {
        if (!gate.enter(cancelled)) {
            return List.of();
        }
        try {
            return jshell.eval(source);
        } finally {
            gate.leave();
        }
    }

    private List<Snippet> evalQuietly(String snippet) {
        List<Snippet> snippets = new ArrayList<>();
        for (SnippetEvent event : eval(snippet, () -> false)) {
            if (event.status() == Snippet.Status.REJECTED || event.exception() != null) {
                throw new IllegalStateException("JShell start-up snippet failed: " + snippet);
            }
            snippets.add(event.snippet());
        }
        return snippets;
    }

    /** Whether {@code snippet} came from the start-up snippets (its id is {@code s1}, {@code s2}, ...). */
    static boolean startUp(Snippet snippet) {
        return snippet.id().startsWith("s");
    }

    /** Whether {@code snippet} is the warm-up's, which no command shows. */
    boolean warmUp(Snippet snippet) {
        return warmUpIds.contains(snippet.id());
    }

    /** The sandbox its child JVM runs in, if it does. */
    java.util.Optional<dev.webrepl.engines.sandbox.Confinement> confinement() {
        return child == null ? java.util.Optional.empty() : child.confinement();
    }

    JShell jshell() {
        return jshell;
    }

    void output(TerminalOutput terminal) {
        output.target(terminal);
    }

    /** True once the execution engine has gone (e.g. System.exit in the child JVM) or the instance was closed. */
    boolean terminated() {
        return terminated.get();
    }

    @Override
    public void close() {
        terminated.set(true);
        jshell.close();
    }

    /** The number the next user snippet gets (hibernation keeps it, so a restore numbers on from there). */
    int nextSnippetNumber() {
        return ids.next();
    }

    /** Numbers the next user snippet {@code number}, and names an expression's variable {@code $number}. */
    void nextSnippetNumber(int number) {
        ids.next(number);
    }

    /**
     * Numbers user snippets from 1 as the jshell tool does ({@code $1}, {@code $2}, ...), whatever the
     * start-up and warm-up used; those get {@code s1}, {@code s2}, ...
     */
    private static final class SnippetIds {
        // JShell's own index is a key per name and signature (a redefined method keeps it); the tool
        // numbers every snippet, so count the snippets created instead.
        private final AtomicInteger created = new AtomicInteger();
        private volatile int firstUser = Integer.MAX_VALUE;

        String id(Snippet snippet, Integer index) {
            int n = created.incrementAndGet();
            return n >= firstUser ? String.valueOf(n - firstUser + 1) : "s" + n;
        }

        /** The name of the snippet about to be created, as the tool names it: {@code $} and its number. */
        String nextTemporaryName() {
            int n = created.get() + 1;
            // Before the user's snippets (an expression in the start-up): a name of the start-up's own.
            return n >= firstUser ? "$" + (n - firstUser + 1) : "$s" + n;
        }

        void userSnippetsStartAfterLast() {
            firstUser = created.get() + 1;
        }

        int next() {
            return created.get() + 1 - firstUser + 1;
        }

        void next(int number) {
            created.set(number + firstUser - 2);
        }
    }
}
