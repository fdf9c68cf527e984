package dev.webrepl.core.terminal;

import dev.webrepl.core.engine.EngineContext;
import dev.webrepl.core.engine.LineEvaluator;
import dev.webrepl.core.engine.ReplEngine;
import dev.webrepl.core.engine.TerminalOutput;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.reactivestreams.Subscription;
import reactor.core.publisher.BaseSubscriber;

/**
 * The line editor for engines without a terminal of their own (DESIGN "Engines"). Keys:
 * <ul>
 * <li>printable UTF-8: inserted at the cursor and echoed; Enter ({@code \r}, {@code \n} or
 *     {@code \r\n} as one, spec §8) echoes {@code \r\n}, then evaluates the input, or shows the
 *     continuation prompt while {@link LineEvaluator#isComplete} says the lines so far are incomplete;
 * <li>Backspace (7F, 08), Delete ({@code ESC[3~}, and Ctrl-D on a non-empty line), left/right
 *     ({@code ESC[D}/{@code ESC[C}, {@code ESC OD}/{@code ESC OC}, Ctrl-B/Ctrl-F), Home/End
 *     ({@code ESC[H}/{@code ESC[F}, {@code ESC[1~}/{@code ESC[4~}, {@code ESC[7~}/{@code ESC[8~},
 *     {@code ESC OH}/{@code ESC OF}, Ctrl-A/Ctrl-E), Ctrl-K, Ctrl-U, Ctrl-W;
 * <li>up/down ({@code ESC[A}/{@code ESC[B}, {@code ESC OA}/{@code ESC OB}, Ctrl-P/Ctrl-N): the
 *     session's history, bounded, each entered non-empty line once; a recalled line edited and left
 *     is not changed in the history;
 * <li>Tab: {@link LineEvaluator#complete} on the current line; one candidate is inserted, several
 *     insert their common prefix, or are listed on a new line under which prompt and line are redrawn;
 * <li>Ctrl-C: at the prompt cancels the line and any continuation lines with {@code \r\n} + prompt
 *     (spec §3, §8); while evaluating calls {@link LineEvaluator#interrupt()} (as does
 *     {@link #interrupt()});
 * <li>Ctrl-D on an empty line without continuation lines: {@code \r\n} and end of input (the engine
 *     exits with status 0); Ctrl-L: {@code ESC[H ESC[2J}, prompt and line.
 * </ul>
 * Redraws are described in {@link EditBuffer}; other control bytes and unknown escape sequences are
 * ignored ({@link KeyDecoder}).
 *
 * <p>Started by a session, it writes its prompt at once (unless {@link LineEvaluator#promptAtStart()} says not): the terminal shows the login banner (ending
 * in the legacy {@code >>> }, spec §2) and the session line, then this engine's own prompt, so a
 * person sees where to type without pressing Enter first (issue 16 point 7). Started without a
 * session ({@link #start(TerminalOutput)}) it writes no prompt before the first input. After each
 * evaluation the prompt is written, unless {@link LineEvaluator#finished()}, which ends the engine
 * with status 0.
 *
 * <p>Threads: all editing and every evaluation run on one executor per discipline (by default a named
 * daemon thread, started with the first task, ended after {@value #THREAD_KEEP_ALIVE_SECONDS} s without
 * one and stopped at {@link #close()}), never on the thread that
 * delivered input. As an engine it requests one input chunk at a time, and the next only when the last
 * is processed, its evaluations finished and the prompt written: a long evaluation holds input back
 * all the way to TCP. {@link #interrupt()} never blocks: while evaluating it calls the evaluator's
 * interrupt on the caller's thread, otherwise it queues a line cancel on the executor. An interrupt
 * that arrives in the instant between an Enter being read and its evaluation starting cancels the
 * line after that evaluation instead.
 */
public final class LineDiscipline implements ReplEngine {
    /** Lines kept for up/down, per session. */
    public static final int HISTORY_SIZE = 500;
    /** How long the discipline's own thread waits for input before it ends (the next input starts another). */
    static final long THREAD_KEEP_ALIVE_SECONDS = 10;
    /** Code points in one line; typing past it rings the bell. */
    static final int MAX_LINE = 1 << 16;
    /** Characters of continuation lines kept before the input is evaluated as it is. */
    static final int MAX_INPUT = 1 << 20;

    private static final int CTRL_C = 0x03;
    private static final byte[] NEWLINE = {'\r', '\n'};
    private static final int[] NOTHING = new int[0];
    private static final byte[] CLEAR_SCREEN = "\u001b[H\u001b[2J".getBytes(StandardCharsets.US_ASCII);
    private static final byte BELL = 0x07;

    private final LineEvaluator evaluator;
    private volatile dev.webrepl.core.engine.EngineRecorder recorder = dev.webrepl.core.engine.EngineRecorder.NONE;
    private final Executor givenExecutor;
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile boolean evaluating;
    private volatile boolean ended;
    private volatile Executor executor;
    private ExecutorService ownedExecutor;
    private BaseSubscriber<byte[]> subscriber;

    // Confined to the executor.
    private final KeyDecoder decoder = new KeyDecoder();
    private final EditBuffer line = new EditBuffer(MAX_LINE);
    private final History history = new History(HISTORY_SIZE);
    private final StringBuilder continuation = new StringBuilder();
    private final ByteArrayOutputStream screen = new ByteArrayOutputStream();
    private final Keys keys = new Keys();
    private boolean continuing;
    private int browsing;
    private int[] draft = NOTHING;
    private TerminalOutput output;
    private Runnable onExit;
    private Consumer<RuntimeException> onFailure;

    /** Edits and evaluates on a daemon thread of its own, created at start and stopped at close. */
    public LineDiscipline(LineEvaluator evaluator) {
        this(evaluator, null);
    }

    /**
     * Edits and evaluates on {@code executor}, which must run tasks one at a time in order (a direct
     * executor {@code Runnable::run} makes everything synchronous, for tests). Not shut down at close.
     */
    public LineDiscipline(LineEvaluator evaluator, Executor executor) {
        this.evaluator = evaluator;
        this.givenExecutor = executor;
    }

    @Override
    public void start(EngineContext context) {
        recorder = context.recorder();
        evaluator.start(context);
        BaseSubscriber<byte[]> input = new BaseSubscriber<>() {
            @Override
            protected void hookOnSubscribe(Subscription subscription) {
                request(1);
            }

            @Override
            protected void hookOnNext(byte[] bytes) {
                submit(bytes, () -> request(1));
            }

            @Override
            protected void hookOnError(Throwable error) {
                context.failed(error);
            }
        };
        synchronized (this) {
            subscriber = input;
        }
        begin(context.output(), "webrepl-line-" + context.sessionId(), () -> context.exited(0), e -> {
            // Report first: the session reads a cancelled input as "stopped reading" otherwise.
            context.failed(e);
            input.cancel();
        });
        if (evaluator.promptAtStart()) {
            execute(() -> {
                screen.writeBytes(evaluator.prompt().getBytes(StandardCharsets.UTF_8));
                flush();
            });
        }
        context.input().subscribe(input);
    }

    /** Starts without a session: output goes to {@code output}, input comes through {@link #input(byte[])}. */
    public void start(TerminalOutput output) {
        begin(output, "webrepl-line", () -> { }, e -> {
            throw e;
        });
    }

    private synchronized void begin(TerminalOutput out, String threadName, Runnable exit,
            Consumer<RuntimeException> failure) {
        if (executor != null) {
            throw new IllegalStateException("already started");
        }
        output = out;
        onExit = exit;
        onFailure = failure;
        if (givenExecutor != null) {
            executor = givenExecutor;
        } else {
            // One thread at a time, in order; it ends after a while without input and a new one starts with
            // the next. A thread keeps what it used (the JDK's per-thread direct buffers, about 1.2 MB once
            // JShell compiled on it): a session waiting for input, hibernated or not, should not.
            ThreadPoolExecutor owned = new ThreadPoolExecutor(1, 1, THREAD_KEEP_ALIVE_SECONDS, TimeUnit.SECONDS,
                    new LinkedBlockingQueue<>(), task -> {
                        Thread thread = new Thread(task, threadName);
                        thread.setDaemon(true);
                        return thread;
                    });
            owned.allowCoreThreadTimeOut(true);
            ownedExecutor = owned;
            executor = ownedExecutor;
        }
    }

    /**
     * Processes terminal input bytes in order (on the executor). A Ctrl-C among them while an
     * evaluation runs interrupts it at once and is dropped; the rest waits for the prompt.
     */
    public void input(byte[] bytes) {
        submit(bytes.clone(), () -> { });
    }

    /** True once Ctrl-D on an empty line or the evaluator ended the input. */
    public boolean ended() {
        return ended;
    }

    /** Ctrl-C out of band: interrupts the evaluation, or cancels the line as 0x03 would. */
    @Override
    public String kind() {
        return evaluator.kind();
    }

    @Override
    public boolean hibernated() {
        return evaluator.hibernated();
    }

    @Override
    public void interrupt() {
        if (ended || executor == null) {
            return;
        }
        if (evaluating) {
            evaluator.interrupt();
            return;
        }
        execute(() -> {
            cancelLine();
            flush();
        });
    }

    private void submit(byte[] bytes, Runnable then) {
        byte[] chunk = bytes;
        if (evaluating && contains(chunk, CTRL_C)) {
            evaluator.interrupt();
            chunk = without(chunk, CTRL_C);
        }
        byte[] toProcess = chunk;
        execute(() -> {
            process(toProcess);
            if (!ended) {
                then.run();
            }
        });
    }

    private void execute(Runnable task) {
        Executor current = executor;
        if (current == null) {
            throw new IllegalStateException("not started");
        }
        try {
            current.execute(task);
        } catch (RejectedExecutionException e) {
            if (!closed.get()) {
                throw e;
            }
        }
    }

    private void process(byte[] chunk) {
        try {
            evaluator.typed();
            for (int i = 0; i < chunk.length && !ended; i++) {
                decoder.feed(chunk[i], keys);
            }
            flush();
        } catch (RuntimeException e) {
            ended = true;
            screen.reset();
            onFailure.accept(e);
        }
    }

    /** Maps keys to edits; runs on the executor. */
    private final class Keys implements KeyDecoder.Keys {
        private final int[] typed = new int[1];

        @Override
        public void text(int codePoint) {
            if (!Character.isISOControl(codePoint)) {
                typed[0] = codePoint;   // reused: a key costs no allocation
                edit(line.cursor(), line.cursor(), typed);
            }
        }

        @Override
        public void control(int c) {
            switch (c) {
                case '\r', '\n' -> enter();
                case CTRL_C -> cancelLine();
                case 0x04 -> endOfInputOrDelete();
                case 0x08, 0x7f -> {
                    if (line.cursor() > 0) {
                        edit(line.cursor() - 1, line.cursor(), NOTHING);
                    }
                }
                case 0x01 -> line.moveTo(0, screen);
                case 0x05 -> line.moveTo(line.length(), screen);
                case 0x02 -> line.moveTo(line.cursor() - 1, screen);
                case 0x06 -> line.moveTo(line.cursor() + 1, screen);
                case 0x0b -> edit(line.cursor(), line.length(), NOTHING);
                case 0x15 -> edit(0, line.cursor(), NOTHING);
                case 0x17 -> edit(wordStart(), line.cursor(), NOTHING);
                case 0x10 -> previous();
                case 0x0e -> next();
                case 0x09 -> complete();
                case 0x0c -> {
                    screen.writeBytes(CLEAR_SCREEN);
                    redraw();
                }
                default -> { }
            }
        }

        @Override
        public void key(KeyDecoder.Key key) {
            switch (key) {
                case LEFT -> line.moveTo(line.cursor() - 1, screen);
                case RIGHT -> line.moveTo(line.cursor() + 1, screen);
                case HOME -> line.moveTo(0, screen);
                case END -> line.moveTo(line.length(), screen);
                case DELETE -> deleteAtCursor();
                case UP -> previous();
                case DOWN -> next();
            }
        }
    }

    private void edit(int from, int to, int[] with) {
        if (from == to && with.length == 0) {
            return;
        }
        if (!line.replace(from, to, with, screen)) {
            screen.write(BELL);
        }
    }

    private void deleteAtCursor() {
        if (line.cursor() < line.length()) {
            edit(line.cursor(), line.cursor() + 1, NOTHING);
        }
    }

    private void endOfInputOrDelete() {
        if (line.length() > 0) {
            deleteAtCursor();
        } else if (!continuing) {
            screen.writeBytes(NEWLINE);
            end();
        }
    }

    /** Where Ctrl-W starts deleting: back over spaces, then over the word before them (readline's rubout). */
    private int wordStart() {
        int i = line.cursor();
        while (i > 0 && Character.isWhitespace(line.codePointAt(i - 1))) {
            i--;
        }
        while (i > 0 && !Character.isWhitespace(line.codePointAt(i - 1))) {
            i--;
        }
        return i;
    }

    private void previous() {
        if (browsing == 0) {
            return;
        }
        if (browsing == history.size()) {
            draft = line.codePoints();
        }
        browsing--;
        edit(0, line.length(), history.get(browsing));
    }

    private void next() {
        if (browsing >= history.size()) {
            return;
        }
        browsing++;
        edit(0, line.length(), browsing == history.size() ? draft : history.get(browsing));
    }

    private void complete() {
        String text = line.toString();
        int cursor = text.offsetByCodePoints(0, line.cursor());
        LineEvaluator.Completion completion = evaluator.complete(text, cursor);
        List<String> candidates = completion.candidates();
        int anchor = completion.anchor();
        if (candidates.isEmpty() || anchor < 0 || anchor > cursor) {
            return;
        }
        int from = text.codePointCount(0, anchor);
        String common = commonPrefix(candidates);
        if (candidates.size() == 1 || common.length() > cursor - anchor) {
            edit(from, line.cursor(), common.codePoints().toArray());
            return;
        }
        screen.writeBytes(NEWLINE);
        screen.writeBytes(String.join("  ", candidates).getBytes(StandardCharsets.UTF_8));
        screen.writeBytes(NEWLINE);
        redraw();
    }

    private static String commonPrefix(List<String> candidates) {
        String prefix = candidates.get(0);
        for (String candidate : candidates) {
            int i = 0;
            while (i < prefix.length() && i < candidate.length() && prefix.charAt(i) == candidate.charAt(i)) {
                i++;
            }
            if (i > 0 && Character.isHighSurrogate(prefix.charAt(i - 1))) {
                i--;
            }
            prefix = prefix.substring(0, i);
        }
        return prefix;
    }

    private void redraw() {
        screen.writeBytes(currentPrompt().getBytes(StandardCharsets.UTF_8));
        line.draw(screen);
    }

    private String currentPrompt() {
        return continuing ? evaluator.continuationPrompt() : evaluator.prompt();
    }

    private void cancelLine() {
        line.clear();
        continuation.setLength(0);
        continuing = false;
        browsing = history.size();
        screen.writeBytes(NEWLINE);
        screen.writeBytes(evaluator.prompt().getBytes(StandardCharsets.UTF_8));
    }

    private void enter() {
        screen.writeBytes(NEWLINE);
        String entered = line.toString();
        history.add(entered);
        browsing = history.size();
        if (continuing) {
            continuation.append('\n');
        }
        line.clear();
        String input;
        if (continuation.length() == 0) {
            input = entered;   // the common case, one line: no copy through the builder
        } else {
            continuation.append(entered);
            input = continuation.toString();
        }
        if (input.length() < MAX_INPUT && !evaluator.isComplete(input)) {
            if (continuation.length() == 0) {
                continuation.append(entered);
            }
            continuing = true;
            screen.writeBytes(evaluator.continuationPrompt().getBytes(StandardCharsets.UTF_8));
            return;
        }
        continuation.setLength(0);
        continuing = false;
        flush();
        evaluating = true;
        long begin = System.nanoTime();
        try {
            evaluator.evaluate(input, output);
        } finally {
            evaluating = false;
            recorder.evaluated(java.time.Duration.ofNanos(System.nanoTime() - begin));
        }
        if (evaluator.finished()) {
            end();
        } else {
            screen.writeBytes(evaluator.prompt().getBytes(StandardCharsets.UTF_8));
        }
    }

    private void end() {
        flush();
        ended = true;
        onExit.run();
    }

    private void flush() {
        if (screen.size() > 0) {
            byte[] bytes = screen.toByteArray();
            screen.reset();
            output.write(bytes);
        }
    }

    private static boolean contains(byte[] bytes, int value) {
        for (byte b : bytes) {
            if (b == value) {
                return true;
            }
        }
        return false;
    }

    private static byte[] without(byte[] bytes, int value) {
        ByteArrayOutputStream kept = new ByteArrayOutputStream(bytes.length);
        for (byte b : bytes) {
            if (b != value) {
                kept.write(b);
            }
        }
        return kept.toByteArray();
    }

    /**
     * Stops input, interrupts a running evaluation, stops the executor it owns and closes the
     * evaluator (on the caller's thread, so an evaluation that ignores its interrupt is still released).
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        ended = true;
        BaseSubscriber<byte[]> input;
        ExecutorService owned;
        synchronized (this) {
            input = subscriber;
            owned = ownedExecutor;
        }
        if (input != null) {
            input.cancel();
        }
        if (evaluating) {
            evaluator.interrupt();
        }
        if (owned != null) {
            owned.shutdownNow();
        }
        evaluator.close();
    }
}
