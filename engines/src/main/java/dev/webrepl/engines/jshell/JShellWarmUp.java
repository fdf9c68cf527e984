package dev.webrepl.engines.jshell;

import dev.webrepl.core.engine.EngineContext;
import dev.webrepl.core.engine.EngineOutput;
import dev.webrepl.core.engine.LineEvaluator;
import dev.webrepl.core.engine.Pausable;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;

/**
 * A fresh server's warm-up ({@code --jshell-warm-up}, README "Hibernation"): on a thread of its own it
 * restores a built-in session of {@link #SCRIPT} a few times, the way a hibernated session is restored
 * ({@link JShellEvaluator}'s restore, on instances built as the sessions' are: same execution, VM
 * options, sandbox and compile gate), so that the server's JIT has compiled javac's and JShell's paths
 * before the first user's restore; then it builds the analysis JShell of the sessions' hibernation
 * ({@link Hibernation}), which the first input to a hibernated session needs. A fresh server's first
 * two restores of 50 snippets took 1.0–2.4 s, a warm one's 0.7 s (BENCHMARKS "JShell at scale").
 *
 * <p>It is not a session: nothing lists, counts, audits or records it. It takes compile turns like a
 * session, in order; its end is one log line ({@code jshell warm-up: 8 restores of 50 snippets in
 * 9.8 s}, or why it stopped), never a stack trace. {@link #close()} stops it between two snippets and
 * closes its JShell (and child JVM). The server owns it and closes it with its engines.
 */
public final class JShellWarmUp implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(JShellWarmUp.class);
    /**
     * Restores per warm-up: on a 2-core machine a fresh server's restores of the script took 2.6-3.0,
     * 1.6, 1.0-1.2 s, then 0.9-1.0 s from the fourth on (0.8-0.95 s up to the tenth). After 4 the
     * first timed restores of 50 snippets were still 0.75-1.0 s, after 8 (10 s at start) 0.59-0.74 s
     * (BENCHMARKS "JShell at scale: a fresh server warms itself up").
     */
    public static final int ROUNDS = 8;
    private static final long CLOSE_WAIT_SECONDS = 30;
    private static final int MAX_OUTPUT_CHARS = 4096;

    /**
     * What people type, one input each, every one accepted: variables, methods, an import, a record, an
     * interface and classes, an enum, lambdas and streams, String.format, a loop, a switch.
     */
    static final List<String> SCRIPT = List.of(
            "int count = 3;",
            "String name = \"world\";",
            "double ratio = 0.75;",
            "long big = 1L << 40;",
            "var words = new ArrayList<String>(List.of(\"alpha\", \"beta\", \"gamma\"));",
            "int square(int x) { return x * x; }",
            "String greet(String who) { return \"Hello, \" + who + \"!\"; }",
            "String greeting = greet(name);",
            "int total = square(count) + count;",
            "import java.time.*;",
            "LocalDate day = LocalDate.of(2024, 1, 15).plusDays(count);",
            "record Point(int x, int y) { double length() { return Math.sqrt(x * x + y * y); } }",
            "Point p = new Point(3, 4);",
            "double len = p.length();",
            "interface Shape { double area(); }",
            "class Circle implements Shape { final double r; Circle(double r) { this.r = r; } "
                    + "public double area() { return Math.PI * r * r; } }",
            "class Rect implements Shape { final double w, h; Rect(double w, double h) { this.w = w; this.h = h; } "
                    + "public double area() { return w * h; } }",
            "List<Shape> shapes = List.of(new Circle(1), new Rect(2, 3));",
            "double areas = shapes.stream().mapToDouble(Shape::area).sum();",
            "String formatted = String.format(\"%.2f\", areas);",
            "Map<String, Integer> lengths = words.stream().collect(Collectors.toMap(w -> w, String::length));",
            "List<Integer> evens = IntStream.rangeClosed(1, 20).filter(i -> i % 2 == 0).boxed()"
                    + ".collect(Collectors.toList());",
            "int sum = evens.stream().mapToInt(Integer::intValue).sum();",
            "Function<Integer, Integer> twice = x -> 2 * x;",
            "int applied = twice.apply(21);",
            "enum Color { RED, GREEN, BLUE }",
            "Color favourite = Color.valueOf(\"GREEN\");",
            "for (int i = 0; i < 3; i++) { words.add(\"w\" + i); }",
            "String joined = String.join(\", \", words);",
            "StringBuilder sb = new StringBuilder();",
            "sb.append(name).append(' ').append(count);",
            "int fib(int n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }",
            "int f10 = fib(10);",
            "Optional<String> first = words.stream().filter(w -> w.startsWith(\"b\")).findFirst();",
            "int[] numbers = {5, 3, 8, 1};",
            "Arrays.sort(numbers);",
            "String text = Arrays.toString(numbers);",
            "char initial = name.charAt(0);",
            "boolean even = count % 2 == 0;",
            "String kind = even ? \"even\" : \"odd\";",
            "class Counter { private int n; void inc() { n++; } int get() { return n; } }",
            "Counter counter = new Counter();",
            "counter.inc();",
            "int counted = counter.get();",
            "try { Integer.parseInt(\"x\"); } catch (NumberFormatException e) { count++; }",
            "BigInteger factorial = IntStream.rangeClosed(1, 20).mapToObj(BigInteger::valueOf)"
                    + ".reduce(BigInteger.ONE, BigInteger::multiply);",
            "String size = switch (count) { case 1 -> \"one\"; case 2 -> \"two\"; default -> \"many\"; };",
            "System.out.println(greeting + \" \" + p);",
            "String summary = String.format(\"%s: %d words, total %d, areas %s\", greeting, words.size(), total, "
                    + "formatted);",
            "count + total");
    private static final String RESTORED = "|  Restored after hibernation: " + SCRIPT.size() + " snippets replayed.\r\n";

    /** How a warm-up ended. */
    public enum Outcome {
        /** Every round restored the whole script. */
        DONE,
        /** A restore failed (the JShell or its child JVM did not start, a snippet was not restored): logged. */
        FAILED,
        /** Closed before it was done (the server's shutdown). */
        STOPPED
    }

    private final Function<EngineContext, JShellInstance> instances;
    private final JShellPool pool;
    private final Hibernation hibernation;
    private final WarmUpContext context;
    private final int rounds;
    private final Thread thread;
    private final CompletableFuture<Outcome> ended = new CompletableFuture<>();
    private boolean started;                 // guarded by this
    private boolean closed;                  // guarded by this
    private JShellEvaluator current;         // guarded by this: the round's, until it is closed

    private JShellWarmUp(Function<EngineContext, JShellInstance> instances, JShellPool pool, Hibernation hibernation,
            Path root, int rounds) {
        if (rounds < 1) {
            throw new IllegalArgumentException("at least one round: " + rounds);
        }
        this.instances = instances;
        this.pool = pool;
        this.hibernation = hibernation;
        this.context = new WarmUpContext(root);
        this.rounds = rounds;
        this.thread = new Thread(this::run, "jshell-warm-up");
        thread.setDaemon(true);
    }

    /**
     * The warm-up of a server whose sessions' evaluators come from {@code sessions} (one of
     * {@link JShellEngines}' factories) and, with {@code --prewarm}, from {@code pool} (null without):
     * its instances are built as the pool builds its own, never taken from it nor given to it. With a
     * sandbox, its child JVMs run in one over {@code root}; the script writes no file. Not started yet.
     */
    public static JShellWarmUp of(Supplier<? extends LineEvaluator> sessions, JShellPool pool, Path root) {
        return of(sessions, pool, root, ROUNDS);
    }

    static JShellWarmUp of(Supplier<? extends LineEvaluator> sessions, JShellPool pool, Path root, int rounds) {
        Objects.requireNonNull(root, "root");
        // An evaluator as a session gets (it takes no instance until used): how the sessions are made.
        if (!(sessions.get() instanceof JShellEvaluator session)) {
            throw new IllegalArgumentException("not JShell sessions: " + sessions);
        }
        return new JShellWarmUp(pool != null ? context -> pool.make() : session.instances(), pool,
                session.hibernation(), root, rounds);
    }

    /**
     * Starts the warm-up on its thread: at once, or with a pool once the pool's first fill is done (the
     * first sessions get warm instances as soon as without a warm-up).
     */
    public void start() {
        synchronized (this) {
            if (started || closed) {
                return;
            }
            started = true;
        }
        if (pool == null) {
            startThread();
        } else if (!pool.afterQueued(this::startThread)) {
            ended.complete(Outcome.STOPPED); // the pool is closed: the server is ending
        }
    }

    private void startThread() {
        synchronized (this) {
            if (closed) {
                ended.complete(Outcome.STOPPED);
                return;
            }
            thread.start();
        }
    }

    /** Completes when the warm-up has ended, its last JShell closed, and said how in the log. */
    public CompletableFuture<Outcome> ended() {
        return ended;
    }

    private void run() {
        long begin = System.nanoTime();
        int done = 0;
        Outcome outcome = Outcome.STOPPED;
        try {
            for (; done < rounds; done++) {
                long round = System.nanoTime();
                String failure = restoreOnce();
                LOG.debug("jshell warm-up: restore {} in {} ms", done + 1, (System.nanoTime() - round) / 1_000_000);
                if (stopped()) {
                    break;
                }
                if (failure != null) {
                    LOG.warn("jshell warm-up: stopped after {} of {} restores: {}", done, rounds, failure);
                    outcome = Outcome.FAILED;
                    return;
                }
            }
            if (done == rounds && hibernation.enabled()) {
                // The first input to a hibernated session asks it whether the line is complete (README
                // "Hibernation"): built now, not within the first user's restore.
                hibernation.isComplete("// warm-up");
            }
            if (done == rounds) {
                LOG.info("jshell warm-up: {} restores of {} snippets in {} s", done, SCRIPT.size(),
                        String.format(Locale.ROOT, "%.1f", (System.nanoTime() - begin) / 1e9));
                outcome = Outcome.DONE;
            } else {
                LOG.info("jshell warm-up: stopped by the server's shutdown after {} of {} restores", done, rounds);
            }
        } catch (RuntimeException | LinkageError e) {
            LOG.warn("jshell warm-up: stopped after {} of {} restores: {}", done, rounds, e.toString());
            outcome = Outcome.FAILED;
        } finally {
            ended.complete(outcome);
        }
    }

    private synchronized boolean stopped() {
        return closed;
    }

    /** One restore of the script on a fresh instance, then closed; null if all of it was restored, else why not. */
    private String restoreOnce() {
        JShellEvaluator evaluator = new JShellEvaluator(this::instance, Hibernation.never());
        synchronized (this) {
            if (closed) {
                return null;
            }
            current = evaluator;
        }
        try {
            evaluator.start(context);
            List<SnippetHistory.Entry> entries = new ArrayList<>();
            for (int i = 0; i < SCRIPT.size(); i++) {
                entries.add(new SnippetHistory.Entry(i + 1, SCRIPT.get(i)));
            }
            evaluator.hibernatedAs(new SnippetHistory.Snapshot(entries, SCRIPT.size() + 1));
            StringBuilder said = new StringBuilder();
            // A comment, as a person's first input after a while: the restore and nothing else.
            evaluator.evaluate("// warm-up", bytes -> {
                if (said.length() < MAX_OUTPUT_CHARS) {
                    said.append(new String(bytes, StandardCharsets.UTF_8));
                }
            });
            return said.toString().equals(RESTORED) ? null : firstLines(said.toString());
        } finally {
            synchronized (this) {
                current = null;
            }
            evaluator.close();
        }
    }

    /** The session's way of building an instance, refused once closed (no child JVM started for nothing). */
    private JShellInstance instance(EngineContext context) {
        if (stopped()) {
            throw new IllegalStateException("jshell warm-up closed");
        }
        return instances.apply(context);
    }

    /** What the restore said instead of its notice, as one line. */
    private static String firstLines(String said) {
        String text = said.replace("\r\n", " ").replace("|  ", "").strip();
        return text.isEmpty() ? "no notice" : text.length() > 300 ? text.substring(0, 297) + "..." : text;
    }

    /**
     * Stops the warm-up: between two snippets, its JShell (and child JVM) closed; returns once its
     * thread has ended (at most {@value #CLOSE_WAIT_SECONDS} s). Idempotent.
     */
    @Override
    public void close() {
        JShellEvaluator running;
        boolean wasStarted;
        synchronized (this) {
            closed = true;
            running = current;
            wasStarted = thread.isAlive();
        }
        if (running != null) {
            running.close(); // its replay stops at the next snippet, its instance is closed
        }
        if (wasStarted) {
            try {
                thread.join(TimeUnit.SECONDS.toMillis(CLOSE_WAIT_SECONDS));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (thread.isAlive()) {
                LOG.warn("jshell warm-up: its thread still busy after {} s", CLOSE_WAIT_SECONDS);
            }
        } else {
            ended.complete(Outcome.STOPPED);
        }
    }

    /** The warm-up's stand-in for a session: its file root, no recorder (no meter counts it), no terminals. */
    private record WarmUpContext(Path workingDirectory) implements EngineContext {
        @Override
        public String sessionId() {
            return "jshell-warm-up";
        }

        @Override
        public Flux<byte[]> input() {
            return Flux.empty();
        }

        @Override
        public EngineOutput output() {
            throw new UnsupportedOperationException("the warm-up has no terminal");
        }

        @Override
        public void pausable(Pausable producer) {
        }

        @Override
        public void exited(int status) {
        }

        @Override
        public void failed(Throwable error) {
        }

        @Override
        public void limitReached(String reason) {
            // The confined factory tells the session; here the restore's failure says it.
        }
    }
}
