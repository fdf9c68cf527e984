package dev.webrepl.engines.jshell;

import dev.webrepl.core.engine.EngineContext;
import dev.webrepl.core.engine.EngineRecorder;
import dev.webrepl.core.engine.LineEvaluator;
import dev.webrepl.core.engine.TerminalOutput;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import java.util.function.Supplier;
import jdk.jshell.EvalException;
import jdk.jshell.JShell;
import jdk.jshell.MethodSnippet;
import jdk.jshell.SnippetEvent;
import jdk.jshell.SourceCodeAnalysis;
import jdk.jshell.SourceCodeAnalysis.CompletionInfo;
import jdk.jshell.SourceCodeAnalysis.Suggestion;

/**
 * The {@code jshell} engine: Java snippets evaluated by the JDK's JShell, printed as the jshell tool
 * prints them in its {@code normal} feedback mode, with the tool's commands {@code /help},
 * {@code /list}, {@code /vars}, {@code /methods}, {@code /types}, {@code /imports}, {@code /drop},
 * {@code /save}, {@code /open}, {@code /reset} and {@code /exit} written on the JShell API
 * ({@link Commands}); {@code /save} and {@code /open} name files in the session's file root only
 * ({@link SessionFiles}).
 *
 * <p>When the state engine dies (System.exit in the child JVM), it prints {@code |  State engine
 * terminated.} and continues on a fresh instance, as the jshell tool does; definitions are lost (there
 * is no {@code /reload}).
 *
 * <p>Deviations from the tool: no command abbreviations, no {@code /edit}, {@code /history},
 * {@code /reload} or {@code /set}; {@code /open} reads at most 1 MiB and does not run an {@code /open}
 * inside the file; rejected snippets consume a snippet number (the tool numbers them apart);
 * warnings of accepted snippets are not shown; stopping a snippet prints nothing; a Ctrl-C that arrives
 * while the snippet is still being compiled (before it runs) is lost and has to be pressed again.
 *
 * <p>Hibernation ({@link Hibernation}, README "Hibernation"): after a while without input the instance
 * is closed and only the accepted inputs' source is kept ({@link SnippetHistory}); the next input that
 * needs the state replays them on a fresh instance, prints one line saying so (and one per input that
 * could not be replayed), then is evaluated. {@code /help}, {@code /reset} and {@code /exit} do not wake
 * a session; completeness and Tab completion of a hibernated session come from the shared analysis.
 */
public final class JShellEvaluator implements LineEvaluator {
    public static final String PROMPT = "jshell> ";
    public static final String CONTINUATION_PROMPT = "   ...> ";
    // While a snippet runs, JShell cannot analyse another input; a line discipline that asks meanwhile
    // (type-ahead) waits this long before getting a guess.
    private static final long BUSY_WAIT_MILLIS = 200;
    private static final long CLOSE_WAIT_SECONDS = 5;

    private final Function<EngineContext, JShellInstance> instances;
    // JShell is not thread-safe: eval, analysis and completion take this lock; only stop() does not.
    private final ReentrantLock lock = new ReentrantLock();
    private volatile JShellInstance instance;
    private volatile boolean evaluating;
    private volatile boolean interrupted;
    // Every Ctrl-C counted, so a restore tells which replayed snippet one stopped.
    private final AtomicInteger interrupts = new AtomicInteger();
    private volatile boolean finished;
    private volatile SessionFiles files = new SessionFiles(null);
    private volatile EngineContext context;
    private final Hibernation hibernation;
    // Under the lock: the accepted inputs of the current instance.
    private final SnippetHistory history = new SnippetHistory();
    // Non-null while hibernated: what the next input replays. Written under the lock.
    private volatile SnippetHistory.Snapshot hibernated;
    private volatile long lastInput = System.nanoTime();
    private volatile ScheduledFuture<?> idleCheck;   // set and cleared under this evaluator's monitor
    private volatile EngineRecorder recorder = EngineRecorder.NONE;

    /** An evaluator that takes an instance from {@code instances} when first used and after /reset. */
    public JShellEvaluator(Supplier<JShellInstance> instances) {
        this(instances, Hibernation.never());
    }

    /** As {@link #JShellEvaluator(Supplier)}, hibernating as {@code hibernation} says. */
    public JShellEvaluator(Supplier<JShellInstance> instances, Hibernation hibernation) {
        this((EngineContext context) -> instances.get(), hibernation);
        Objects.requireNonNull(instances, "instances");
    }

    /**
     * The same, with instances made for the session (its sandbox): {@code instances} gets the
     * session's context, or null when the evaluator is used without a session (tests).
     */
    public JShellEvaluator(Function<EngineContext, JShellInstance> instances, Hibernation hibernation) {
        this.instances = Objects.requireNonNull(instances, "instances");
        this.hibernation = Objects.requireNonNull(hibernation, "hibernation");
    }

    /** How it takes its instances: the warm-up ({@link JShellWarmUp}) builds its own the same way. */
    Function<EngineContext, JShellInstance> instances() {
        return instances;
    }

    /** How its session hibernates (the warm-up builds the shared analysis JShell ahead of the first restore). */
    Hibernation hibernation() {
        return hibernation;
    }

    /**
     * Hibernated as if its session had accepted {@code snapshot}'s inputs: the next input restores
     * them. The warm-up's way into {@link #restore} ({@link JShellWarmUp}).
     */
    void hibernatedAs(SnippetHistory.Snapshot snapshot) {
        lock.lock();
        try {
            discard();
            hibernated = Objects.requireNonNull(snapshot, "snapshot");
        } finally {
            lock.unlock();
        }
    }

    /** The session's file root is where {@code /save} and {@code /open} find their files. */
    @Override
    public void start(EngineContext context) {
        this.context = context;
        files = new SessionFiles(context.workingDirectory());
        recorder = context.recorder();
    }

    @Override
    public String kind() {
        return "jshell";
    }

    @Override
    public String prompt() {
        return PROMPT;
    }

    @Override
    public String continuationPrompt() {
        return CONTINUATION_PROMPT;
    }

    @Override
    public boolean isComplete(String input) {
        if (isCommand(input)) {
            return true;
        }
        input();
        if (!lockForAnalysis()) {
            return true; // busy: let the evaluation report an incomplete snippet as an error
        }
        try {
            if (hibernated != null) {
                return hibernation.isComplete(input);
            }
            return complete(instance().jshell().sourceCodeAnalysis(), input);
        } catch (RuntimeException e) {
            return true; // no state engine: evaluate() reports why
        } finally {
            lock.unlock();
        }
    }

    /** Whether {@code input} is complete for {@code analysis}: every snippet in it, not only the first. */
    static boolean complete(SourceCodeAnalysis analysis, String input) {
        String remaining = input;
        while (true) {
            CompletionInfo info = analysis.analyzeCompletion(remaining);
            switch (info.completeness()) {
                case DEFINITELY_INCOMPLETE, CONSIDERED_INCOMPLETE:
                    return false;
                case COMPLETE, COMPLETE_WITH_SEMI:
                    remaining = info.remaining();
                    break;
                default: // EMPTY, UNKNOWN (an error the evaluation will report)
                    return true;
            }
        }
    }

    @Override
    public void evaluate(String input, TerminalOutput output) {
        lock.lock();
        evaluating = true;
        interrupted = false;
        try {
            if (isCommand(input)) {
                command(input.trim(), output, false);
            } else {
                snippets(input, current(output), output);
            }
        } catch (RuntimeException e) {
            print(output, List.of("|  State engine failed: " + e));
            discard();
        } finally {
            evaluating = false;
            lock.unlock();
            input();
        }
    }

    private void snippets(String input, JShellInstance current, TerminalOutput output) {
        JShell jshell = current.jshell();
        String remaining = input;
        while (!interrupted) {
            CompletionInfo info = jshell.sourceCodeAnalysis().analyzeCompletion(remaining);
            String source;
            switch (info.completeness()) {
                case EMPTY:
                    return;
                case COMPLETE, COMPLETE_WITH_SEMI:
                    source = info.source();
                    remaining = info.remaining();
                    break;
                default: // incomplete or unknown: let JShell report its errors
                    source = remaining;
                    remaining = "";
            }
            List<SnippetEvent> events;
            try {
                events = current.eval(source, this::cancelled);
            } catch (IllegalStateException closed) {
                events = List.of();
            }
            if (!interrupted) {
                // A stopped snippet reports no exception, but it did not complete: never replay it.
                history.evaluated(jshell, source, events);
            }
            List<String> lines = new ArrayList<>();
            for (SnippetEvent event : events) {
                if (event.exception() instanceof jdk.jshell.EvalException e
                        && SessionExit.class.getName().equals(e.getExceptionClassName())) {
                    // LOCAL execution: System.exit ends this session only (ExitTrappingExecutionControl).
                    lines.add("|  Session ended: exit status " + e.getMessage().replaceAll("\\D", ""));
                    print(output, lines);
                    finished = true;
                    return;
                }
                lines.addAll(Feedback.of(jshell, event));
            }
            print(output, lines);
            if (current.terminated()) {
                print(output, List.of("|  State engine terminated."));
                discard();
                if (!finished) { // a session that ended has no use for another
                    instance().output(output); // start the next one now, as the tool does
                }
                return;
            }
        }
    }

    private void command(String line, TerminalOutput output, boolean inFile) {
        String[] words = line.split("\\s+", 2);
        String name = words[0];
        String arg = words.length > 1 ? words[1].trim() : "";
        List<String> lines = new ArrayList<>();
        switch (name) {
            case "/help", "/?" -> lines.addAll(Commands.HELP);
            case "/list" -> Commands.list(current(output), arg, lines);
            case "/drop" -> Commands.drop(current(output), arg, lines);
            case "/save" -> save(current(output), arg, lines);
            case "/open" -> {
                if (inFile) {
                    lines.add("|  /open inside an opened file is not run: " + line);
                } else {
                    open(arg, output);
                }
            }
            case "/vars" -> {
                JShell jshell = current(output).jshell();
                jshell.variables().forEach(v ->
                        lines.add("|    " + v.typeName() + " " + v.name() + " = " + Feedback.varValue(jshell, v)));
            }
            case "/methods" -> current(output).jshell().methods().forEach(m -> lines.add("|    " + returnType(m)
                    + " " + m.name() + "(" + m.parameterTypes() + ")"));
            case "/types" -> current(output).jshell().types().forEach(t ->
                    lines.add("|    " + Feedback.typeKind(t) + " " + t.name()));
            case "/imports" -> current(output).jshell().imports().forEach(i -> lines.add(
                    "|    import " + (i.isStatic() ? "static " : "") + i.fullname()));
            case "/reset" -> {
                lines.add("|  Resetting state.");
                hibernated = null; // nothing to restore: the next input starts afresh
                discard();
            }
            case "/exit" -> {
                lines.add("|  Goodbye");
                finished = true;
            }
            default -> lines.add("|  Invalid command: " + name + " (/help lists the commands)");
        }
        print(output, lines);
    }

    /** {@code /save [-all|-start] FILE}: the snippets {@code /list} would show, written to FILE in the file root. */
    private void save(JShellInstance current, String arg, List<String> lines) {
        String[] words = arg.split("\\s+", 2);
        String selection = words[0].equals("-all") || words[0].equals("-start") ? words[0] : "";
        String name = selection.isEmpty() ? arg : words.length > 1 ? words[1].trim() : "";
        if (name.isEmpty()) {
            lines.add("|  /save needs a file name: /save [-all|-start] FILE");
            return;
        }
        try {
            files.write(name, Commands.script(Commands.select(current, selection, lines)));
        } catch (SessionFiles.Refused e) {
            lines.add("|  /save: " + e.getMessage());
        }
    }

    /**
     * {@code /open FILE}: the file's lines as if typed, a command on a line of its own, a snippet
     * evaluated once complete; stops at Ctrl-C and at anything that ends the session.
     */
    private void open(String name, TerminalOutput output) {
        if (name.isEmpty()) {
            print(output, List.of("|  /open needs a file name: /open FILE"));
            return;
        }
        String text;
        try {
            text = files.read(name);
        } catch (SessionFiles.Refused e) {
            print(output, List.of("|  /open: " + e.getMessage()));
            return;
        }
        StringBuilder pending = new StringBuilder();
        for (String line : text.split("\\R", -1)) {
            if (interrupted || finished) {
                return;
            }
            if (pending.isEmpty()) {
                if (line.isBlank()) {
                    continue;
                }
                if (isCommand(line)) {
                    command(line.trim(), output, true);
                    continue;
                }
            } else {
                pending.append('\n');
            }
            pending.append(line);
            JShellInstance current = current(output);
            if (complete(current.jshell().sourceCodeAnalysis(), pending.toString())) {
                snippets(pending.toString(), current, output);
                pending.setLength(0);
            }
        }
        if (!pending.isEmpty() && !interrupted && !finished) {
            snippets(pending.toString(), current(output), output); // an incomplete end: its errors
        }
    }

    private static String returnType(MethodSnippet method) {
        String signature = method.signature(); // "(int,String)void"
        return signature.substring(signature.lastIndexOf(')') + 1);
    }

    @Override
    public void interrupt() {
        interrupts.incrementAndGet();
        interrupted = true;
        JShellInstance current = instance;
        if (current != null && evaluating) {
            try {
                current.jshell().stop();
            } catch (IllegalStateException closed) {
                // the state engine has gone already: nothing runs
            }
        }
    }

    /** Whether the evaluation under way is to stop (Ctrl-C, or the session ended): then it need not wait to compile. */
    private boolean cancelled() {
        return interrupted || finished;
    }

    /** Whether an input is being evaluated (for tests: when an interrupt can reach it). */
    boolean isBusy() {
        return evaluating;
    }

    @Override
    public Completion complete(String input, int cursor) {
        if (isCommand(input)) {
            // The command's name: the word from its slash to the cursor.
            String typed = input.substring(0, cursor);
            int anchor = typed.indexOf('/');
            if (anchor < 0 || typed.substring(anchor).chars().anyMatch(Character::isWhitespace)) {
                return new Completion(cursor, List.of());
            }
            String word = typed.substring(anchor);
            return new Completion(anchor, Commands.NAMES.stream().filter(n -> n.startsWith(word)).toList());
        }
        input();
        if (!lockForAnalysis()) {
            return new Completion(cursor, List.of());
        }
        try {
            int[] anchor = new int[1];
            if (hibernated != null) {
                List<String> candidates = hibernation.complete(input, cursor, anchor);
                return new Completion(anchor[0], candidates);
            }
            List<String> candidates = instance().jshell().sourceCodeAnalysis()
                    .completionSuggestions(input, cursor, anchor).stream()
                    .map(Suggestion::continuation)
                    .distinct()
                    .toList();
            return new Completion(anchor[0], candidates);
        } catch (RuntimeException e) {
            return new Completion(cursor, List.of());
        } finally {
            lock.unlock();
        }
    }

    @Override
    public boolean finished() {
        return finished;
    }

    @Override
    public void close() {
        finished = true;
        boolean locked = lock.tryLock();
        if (!locked) {
            // A snippet still runs (one that ignores Ctrl-C, or a child JVM that stopped reading):
            // ending the instance ends its child and so the evaluation that holds the lock.
            JShellInstance running = instance;
            if (running != null) {
                running.close();
            }
            try {
                // LOCAL code that ignores the stop keeps its thread: do not wait for it for ever.
                locked = lock.tryLock(CLOSE_WAIT_SECONDS, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        try {
            hibernated = null;
            discard();
        } finally {
            if (locked) {
                lock.unlock();
            }
        }
        cancelIdleCheck();
    }

    /** The current instance, taking one if there is none; call with the lock held. */
    private JShellInstance instance() {
        JShellInstance current = instance;
        if (current == null || current.terminated()) {
            if (current != null) {
                current.close();
            }
            current = instances.apply(context).awaitStarted();
            instance = current;
        }
        return current;
    }

    /** The current instance, printing to {@code output}, restored first if hibernated; call with the lock held. */
    private JShellInstance current(TerminalOutput output) {
        if (hibernated != null) {
            restore(output);
        }
        JShellInstance current = instance();
        current.output(output);
        return current;
    }

    private void discard() {
        JShellInstance current = instance;
        instance = null;
        history.clear();
        if (current != null) {
            current.close();
        }
    }

    /** Whether the session is hibernated: its instance closed, its inputs kept for a restore. */
    @Override
    public boolean hibernated() {
        return hibernated != null;
    }

    /** Keys typed (before Enter): the idle time starts again; a check already due looks again then. */
    @Override
    public void typed() {
        lastInput = System.nanoTime();
    }

    /** Input reached the engine (Enter, Tab): the idle time starts again, and a check is due after it. */
    private void input() {
        lastInput = System.nanoTime();
        scheduleIdleCheck(hibernation.delay());
    }

    private synchronized void scheduleIdleCheck(Duration delay) {
        if (idleCheck == null && !finished && hibernation.enabled()) {
            idleCheck = hibernation.schedule(this::idleCheck, delay);
        }
    }

    private synchronized void cancelIdleCheck() {
        ScheduledFuture<?> check = idleCheck;
        idleCheck = null;
        if (check != null) {
            check.cancel(false);
        }
    }

    // On the hibernation thread: hibernate once idle long enough, else look again when it would be.
    private void idleCheck() {
        synchronized (this) {
            idleCheck = null;
        }
        long left = hibernation.delay().toNanos() - (System.nanoTime() - lastInput);
        if (left > 0 || evaluating) {
            scheduleIdleCheck(left > 0 ? Duration.ofNanos(left) : hibernation.delay());
        } else if (!hibernate()) {
            scheduleIdleCheck(hibernation.delay()); // busy: an input came meanwhile
        }
    }

    /**
     * Closes the instance and keeps its accepted inputs, unless the session is busy, has no instance,
     * has ended, is hibernated already or has more source than {@link SnippetHistory#MAX_CHARS}. Returns
     * false only when it could not look (busy); package-private so tests can hibernate without waiting.
     */
    boolean hibernate() {
        if (!lock.tryLock()) {
            return false;
        }
        try {
            JShellInstance current = instance;
            if (finished || evaluating || hibernated != null || current == null || current.terminated()
                    || history.overflowed()) {
                return true;
            }
            hibernated = history.snapshot(current.jshell(), current.nextSnippetNumber());
            instance = null;
            history.clear();
            current.close();
            recorder.hibernated();
            return true;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Replays the hibernated inputs on a fresh instance, quietly, then prints one line saying so and one
     * per input that could not be replayed (rejected, threw, or stopped by Ctrl-C), and carries on. With
     * REMOTE execution the child JVM runs the inputs behind their compilation ({@link JShellInstance#replay()}):
     * a fresh instance's child starts while the first ones compile, and what failed is known at the end.
     */
    private void restore(TerminalOutput output) {
        SnippetHistory.Snapshot snapshot = hibernated;
        long begin = System.nanoTime();
        JShellInstance fresh = instances.apply(context); // if it cannot start, the session stays hibernated
        instance = fresh;
        hibernated = null;
        fresh.output(bytes -> { }); // what replayed snippets print was seen the first time
        boolean behind = fresh.replay();
        List<SnippetHistory.Entry> entries = snapshot.entries();
        List<List<SnippetEvent>> results = new ArrayList<>();
        SortedMap<Integer, String> failed = new TreeMap<>();
        for (int i = 0; i < entries.size(); i++) {
            SnippetHistory.Entry entry = entries.get(i);
            if (fresh.terminated()) {
                failed.put(i, "state engine terminated");
                results.add(List.of());
                continue;
            }
            int stopsBefore = interrupts.get();
            fresh.nextSnippetNumber(entry.number());
            fresh.replaying(i);
            List<SnippetEvent> events;
            try {
                // Ctrl-C stops the snippet that runs, not the rest of the replay: only the session's end cancels it.
                events = fresh.eval(entry.source(), () -> finished);
            } catch (IllegalStateException closed) {
                events = List.of();
            }
            if (!behind && interrupts.get() != stopsBefore) {
                failed.put(i, "stopped");
            }
            results.add(events);
        }
        if (behind) {
            try {
                fresh.replayed().forEach(failed::putIfAbsent);
            } catch (IllegalStateException notStarted) {
                instance = null;
                hibernated = snapshot; // as when the instance cannot start: the next input tries again
                throw notStarted;
            }
        }
        List<String> failures = new ArrayList<>();
        int replayed = 0;
        for (int i = 0; i < entries.size(); i++) {
            SnippetHistory.Entry entry = entries.get(i);
            String why = failed.get(i);
            if (why == null && history.evaluated(fresh.jshell(), entry.source(), results.get(i))) {
                replayed++;
            } else {
                failures.add("|  Snippet " + entry.number() + " not restored ("
                        + (why != null ? why : reason(results.get(i))) + "): " + firstLine(entry.source()));
            }
        }
        if (fresh.terminated()) {
            discard();
        } else {
            fresh.nextSnippetNumber(Math.max(snapshot.nextNumber(), fresh.nextSnippetNumber()));
        }
        int total = entries.size();
        List<String> lines = new ArrayList<>();
        lines.add("|  Restored after hibernation: " + (replayed == total ? "" : replayed + " of ") + total
                + (total == 1 ? " snippet" : " snippets") + " replayed.");
        lines.addAll(failures);
        recorder.restored(Duration.ofNanos(System.nanoTime() - begin));   // before the notice: it is counted when seen
        print(output, lines);
    }

    private static String reason(List<SnippetEvent> events) {
        for (SnippetEvent event : events) {
            if (event.causeSnippet() == null && event.exception() != null) {
                return event.exception() instanceof EvalException e
                        ? "threw " + e.getExceptionClassName() : event.exception().getClass().getSimpleName();
            }
        }
        return events.isEmpty() ? "state engine closed" : "rejected";
    }

    private static String firstLine(String source) {
        String line = source.strip().lines().findFirst().orElse("");
        return line.length() > 60 ? line.substring(0, 57) + "..." : line;
    }

    private boolean lockForAnalysis() {
        if (!evaluating) {
            lock.lock();
            return true;
        }
        try {
            return lock.tryLock(BUSY_WAIT_MILLIS, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** {@code /vars} is a command; {@code // note} and {@code /* note *}{@code /} are Java. */
    private static boolean isCommand(String input) {
        String s = input.stripLeading();
        return s.startsWith("/") && !s.startsWith("//") && !s.startsWith("/*");
    }

    private static void print(TerminalOutput output, List<String> lines) {
        if (!lines.isEmpty()) {
            StringBuilder text = new StringBuilder();
            for (String line : lines) {
                text.append(line.replace("\n", "\r\n")).append("\r\n");
            }
            output.write(text.toString().getBytes(StandardCharsets.UTF_8));
        }
    }
}
