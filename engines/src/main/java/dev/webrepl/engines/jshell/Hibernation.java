package dev.webrepl.engines.jshell;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import jdk.jshell.JShell;
import jdk.jshell.SourceCodeAnalysis;
import jdk.jshell.SourceCodeAnalysis.Suggestion;

/**
 * When JShell sessions hibernate ({@code --jshell-hibernate-after}, README "Hibernation"), and what
 * they share for it: one scheduler thread for every session's idle check (no thread per session), and
 * one analysis-only JShell that says whether a line typed to a hibernated session is complete and
 * offers Tab completions without its definitions, so neither wakes the session (only an evaluated
 * input does, where Ctrl-C can reach the restore). That JShell never runs code: it uses local
 * execution, which loads nothing until a snippet is evaluated. The server owns one and closes it
 * with its engines.
 */
public final class Hibernation implements AutoCloseable {
    private final Duration after;
    private final ScheduledExecutorService timers;
    private JShell analysis;   // guarded by this; built on first use
    private boolean closed;    // guarded by this

    private Hibernation(Duration after) {
        this.after = after;
        if (after.isZero()) {
            this.timers = null;
        } else {
            ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1, runnable -> {
                Thread thread = new Thread(runnable, "jshell-hibernate");
                thread.setDaemon(true);
                return thread;
            });
            executor.setRemoveOnCancelPolicy(true); // an ended session's check leaves the queue at once
            this.timers = executor;
        }
    }

    /** Sessions hibernate after {@code idle} without input; zero: never. */
    public static Hibernation after(Duration idle) {
        Objects.requireNonNull(idle, "idle");
        if (idle.isNegative()) {
            throw new IllegalArgumentException("negative hibernation delay " + idle);
        }
        return new Hibernation(idle);
    }

    /** Sessions never hibernate (no thread). */
    public static Hibernation never() {
        return new Hibernation(Duration.ZERO);
    }

    /** How long a session waits without input before it hibernates; zero for never. */
    public Duration delay() {
        return after;
    }

    boolean enabled() {
        return timers != null;
    }

    /** Runs {@code check} after {@code delay} on the shared thread; null once closed or never. */
    ScheduledFuture<?> schedule(Runnable check, Duration delay) {
        if (timers == null) {
            return null;
        }
        try {
            return timers.schedule(check, Math.max(1, delay.toNanos()), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException closing) {
            return null;
        }
    }

    /** Whether {@code input} is complete, judged without the session's state (syntax only). */
    synchronized boolean isComplete(String input) {
        return JShellEvaluator.complete(analysis().sourceCodeAnalysis(), input);
    }


    /** Tab completions for a hibernated session: the JDK's names, not the session's own. */
    synchronized List<String> complete(String input, int cursor, int[] anchor) {
        return analysis().sourceCodeAnalysis().completionSuggestions(input, cursor, anchor).stream()
                .map(Suggestion::continuation).distinct().toList();
    }

    /** Whether the analysis JShell has been built (for tests). */
    synchronized boolean analysisBuilt() {
        return analysis != null;
    }

    private JShell analysis() {
        if (closed) {
            throw new IllegalStateException("hibernation closed");
        }
        if (analysis == null) {
            analysis = JShell.builder().executionEngine("local").build();
            for (String snippet : JShellConfig.DEFAULT_STARTUP) {
                analysis.eval(snippet); // imports only: nothing runs
            }
        }
        return analysis;
    }

    /** Stops the idle checks and closes the analysis JShell; sessions already hibernated stay so. */
    @Override
    public void close() {
        if (timers != null) {
            timers.shutdownNow();
        }
        JShell toClose;
        synchronized (this) {
            closed = true;
            toClose = analysis;
            analysis = null;
        }
        if (toClose != null) {
            toClose.close();
        }
    }
}
