package dev.webrepl.core.terminal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.webrepl.core.engine.EngineContext;
import dev.webrepl.core.engine.EngineOutput;
import dev.webrepl.core.engine.LineEvaluator;
import dev.webrepl.core.engine.Pausable;
import dev.webrepl.core.engine.TerminalOutput;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Sinks;
import reactor.test.publisher.TestPublisher;

/**
 * Exact bytes of the line editor. Most tests run it on a direct executor, so input is processed
 * before {@code input()} returns; the threading tests use its own thread and await signals.
 */
class LineDisciplineTest {
    static final String ESC = "\u001b";
    static final String CLEAR = ESC + "[K";

    /** Records each input and answers {@code =<input>\r\n}; the prompt is {@code > }. */
    static class RecordingEvaluator implements LineEvaluator {
        final List<String> lines = new CopyOnWriteArrayList<>();
        final AtomicInteger interrupts = new AtomicInteger();
        int closes;

        @Override
        public String prompt() {
            return "> ";
        }

        @Override
        public void evaluate(String line, TerminalOutput output) {
            lines.add(line);
            output.write(("=" + line + "\r\n").getBytes(StandardCharsets.UTF_8));
        }

        @Override
        public void interrupt() {
            interrupts.incrementAndGet();
        }

        @Override
        public void close() {
            closes++;
        }
    }

    final RecordingEvaluator evaluator = new RecordingEvaluator();
    final LineDiscipline discipline = new LineDiscipline(evaluator, Runnable::run);
    final List<byte[]> writes = new ArrayList<>();

    @BeforeEach
    void start() {
        discipline.start(writes::add);
    }

    private void input(String s) {
        discipline.input(s.getBytes(StandardCharsets.UTF_8));
    }

    private void input(int... bytes) {
        byte[] b = new byte[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            b[i] = (byte) bytes[i];
        }
        discipline.input(b);
    }

    /** Types {@code s} and forgets its echo. */
    private void typed(String s) {
        input(s);
        writes.clear();
    }

    /** The output so far, decoded as UTF-8 (tests use valid text only), and forgotten. */
    private String output() {
        StringBuilder s = new StringBuilder();
        writes.forEach(w -> s.append(new String(w, StandardCharsets.UTF_8)));
        writes.clear();
        return s.toString();
    }

    /** Enter, and the input the evaluator got. */
    private String entered() {
        input("\r");
        return evaluator.lines.get(evaluator.lines.size() - 1);
    }

    // --- Enter and echo --------------------------------------------------------------------------

    @Test
    void enterEchoesCrLfEvaluatesTheLineThenWritesThePrompt() {
        input("1+1\r");

        assertEquals(List.of("1+1\r\n", "=1+1\r\n", "> "),
                writes.stream().map(w -> new String(w, StandardCharsets.US_ASCII)).toList());
        assertEquals(List.of("1+1"), evaluator.lines);
    }

    @Test
    void nothingIsWrittenAtStartBecauseTheLoginBannerEndsWithThePrompt() {
        assertEquals(List.of(), writes);
    }

    @Test
    void printableBytesAreEchoedAsTheyArrive() {
        input("ab");
        input("c");

        assertEquals("abc", output());
        assertTrue(evaluator.lines.isEmpty());
    }

    @ParameterizedTest
    @ValueSource(strings = {"x\r", "x\n", "x\r\n"})
    void crLfAndCrLfAreEachOneEnter(String line) {
        input(line);

        assertEquals("x\r\n=x\r\n> ", output());
        assertEquals(List.of("x"), evaluator.lines);
    }

    @Test
    void crLfSplitAcrossInputsIsOneEnter() {
        input("x\r");
        input("\ny\r");

        assertEquals(List.of("x", "y"), evaluator.lines);
    }

    @Test
    void twoCrsAreTwoEnters() {
        input("x\r\r");

        assertEquals(List.of("x", ""), evaluator.lines);
        assertEquals("x\r\n=x\r\n> \r\n=\r\n> ", output());
    }

    @Test
    void lfThenCrAreTwoEnters() {
        input("\n\r");

        assertEquals(List.of("", ""), evaluator.lines);
    }

    @Test
    void onlyTheLfRightAfterACrIsSwallowed() {
        input("a\r\n\nb\r\n");

        assertEquals(List.of("a", "", "b"), evaluator.lines);
    }

    @Test
    void multiByteCharactersAreEchoedAndEvaluatedAsUtf8() {
        input("é€😀\r");

        assertEquals("é€😀\r\n=é€😀\r\n> ", output());
    }

    @Test
    void aThreeByteCharacterSplitOneAndTwoIsOneCharacter() {
        byte[] euro = "€".getBytes(StandardCharsets.UTF_8);

        discipline.input(new byte[] {euro[0]});
        assertEquals("", output());
        discipline.input(new byte[] {euro[1], euro[2]});

        assertEquals("€", output());
        assertEquals("€", entered());
    }

    @Test
    void invalidUtf8BytesAreEachInsertedAsAReplacementCharacter() {
        input(0x61, 0x80, 0xE2, 0x82, 0x62);

        assertEquals("a\uFFFD\uFFFDb", output());
        assertEquals("a\uFFFD\uFFFDb", entered());
    }

    @ParameterizedTest
    @ValueSource(ints = {0x00, 0x07, 0x0F, 0x11, 0x12, 0x13, 0x14, 0x16, 0x18, 0x19, 0x1A, 0x1C, 0x1D, 0x1E, 0x1F})
    void otherControlBytesAreIgnored(int control) {
        input(0x61, control, 0x62);
        input("\r");

        assertEquals("ab\r\n=ab\r\n> ", output());
        assertEquals(List.of("ab"), evaluator.lines);
    }

    // --- Backspace, Delete, kills ----------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(ints = {0x08, 0x7F})
    void backspaceOnAnEmptyLineOutputsNothing(int key) {
        input(key);

        assertEquals(List.of(), writes);
    }

    @ParameterizedTest
    @ValueSource(ints = {0x08, 0x7F})
    void backspaceAtTheEndMovesLeftAndClearsToTheEndOfTheLine(int key) {
        input("ab");
        input(key);
        input("\r");

        assertEquals("ab\b" + CLEAR + "\r\n=a\r\n> ", output());
        assertEquals(List.of("a"), evaluator.lines);
    }

    @ParameterizedTest
    @CsvSource({"é,1", "€,1", "中,2", "😀,2"})
    void backspaceAfterAMultiByteCharacterErasesItAndItsColumns(String character, int columns) {
        typed("a" + character);
        String left = columns == 1 ? "\b" : ESC + "[" + columns + "D";

        input(0x7F);

        assertEquals(left + CLEAR, output());
        assertEquals("a", entered());
    }

    @Test
    void backspaceAfterAMultiByteCharacterTypedByteByByteErasesAllItsBytes() {
        input("a");
        for (byte b : "€".getBytes(StandardCharsets.UTF_8)) {
            discipline.input(new byte[] {b});
        }

        input(0x7F, 0x7F);

        assertEquals("", entered());
    }

    @Test
    void backspacePastTheStartOfTheLineStopsAtTheStart() {
        typed("é");

        input(0x7F, 0x7F, 0x7F);

        assertEquals("\b" + CLEAR, output());
    }

    @Test
    void backspaceInTheMiddleRedrawsTheTail() {
        typed("abc" + ESC + "[D");

        input(0x7F);

        assertEquals("\bc" + CLEAR + "\b", output());
        assertEquals("ac", entered());
    }

    @ParameterizedTest
    @ValueSource(strings = {ESC + "[3~", "\u0004"})
    void deleteAndCtrlDDeleteTheCharacterAtTheCursor(String key) {
        typed("abc" + ESC + "[H");

        input(key);

        assertEquals("bc" + CLEAR + ESC + "[2D", output());
        assertEquals("bc", entered());
    }

    @ParameterizedTest
    @ValueSource(strings = {ESC + "[3~", "\u0004"})
    void deleteAtTheEndOfALineDoesNothing(String key) {
        typed("ab");

        input(key);

        assertEquals("", output());
        assertFalse(discipline.ended());
        assertEquals("ab", entered());
    }

    @Test
    void ctrlKKillsToTheEndOfTheLine() {
        typed("abc" + ESC + "[D" + ESC + "[D");

        input(0x0B);

        assertEquals(CLEAR, output());
        assertEquals("a", entered());
    }

    @Test
    void ctrlUKillsToTheStartOfTheLine() {
        typed("abc" + ESC + "[D");

        input(0x15);

        assertEquals(ESC + "[2Dc" + CLEAR + "\b", output());
        assertEquals("c", entered());
    }

    @Test
    void ctrlWDeletesTheWordBeforeTheCursorAndTheSpacesAfterIt() {
        typed("foo bar  ");

        input(0x17);

        assertEquals(ESC + "[5D" + CLEAR, output());
        assertEquals("foo ", entered());
    }

    @Test
    void aLineLongerThanTheLimitRingsTheBellInsteadOfGrowing() {
        discipline.input("x".repeat(LineDiscipline.MAX_LINE).getBytes(StandardCharsets.US_ASCII));
        writes.clear();

        input("y");

        assertEquals("\u0007", output());
        assertEquals(LineDiscipline.MAX_LINE, entered().length());
    }

    // --- Cursor movement -------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {ESC + "[D", ESC + "OD", "\u0002"})
    void leftMovesTheCursorOneColumnBack(String key) {
        typed("ab");

        input(key);

        assertEquals("\b", output());
    }

    @Test
    void typingInTheMiddleReprintsTheTailAndMovesBack() {
        typed("abc" + ESC + "[D" + ESC + "[D");

        input("X");

        assertEquals("Xbc" + ESC + "[2D", output());
        assertEquals("aXbc", entered());
    }

    @ParameterizedTest
    @ValueSource(strings = {ESC + "[C", ESC + "OC", "\u0006"})
    void rightMovesTheCursorOneColumnForward(String key) {
        typed("ab" + ESC + "[D");

        input(key);

        assertEquals(ESC + "[1C", output());
    }

    @Test
    void leftAtTheStartAndRightAtTheEndDoNothing() {
        input(ESC + "[D");
        typed("a");

        input(ESC + "[C");

        assertEquals("", output());
    }

    @Test
    void leftOverAWideCharacterMovesTwoColumns() {
        typed("中");

        input(ESC + "[D");

        assertEquals(ESC + "[2D", output());
    }

    @ParameterizedTest
    @ValueSource(strings = {ESC + "[H", ESC + "[1~", ESC + "[7~", ESC + "OH", "\u0001"})
    void homeMovesToTheStartOfTheLine(String key) {
        typed("abc");

        input(key);

        assertEquals(ESC + "[3D", output());
        input("X");
        assertEquals("Xabc", entered());
    }

    @ParameterizedTest
    @ValueSource(strings = {ESC + "[F", ESC + "[4~", ESC + "[8~", ESC + "OF", "\u0005"})
    void endMovesToTheEndOfTheLine(String key) {
        typed("abc\u0001");

        input(key);

        assertEquals(ESC + "[3C", output());
        input("X");
        assertEquals("abcX", entered());
    }

    // --- Escape sequences ------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {ESC + "[1;5C", ESC + "[200~", ESC + "[15~", ESC + "OP", ESC + "x", ESC + "[?25h"})
    void unknownEscapeSequencesAreReadToTheirEndAndIgnored(String sequence) {
        typed("a");

        input(sequence + "b");

        assertEquals("b", output());
        assertEquals("ab", entered());
    }

    @Test
    void aLoneEscapeWaitsForTheNextChunk() {
        typed("ab");

        input(ESC);
        assertEquals("", output());
        input("[D");

        assertEquals("\b", output());
    }

    @Test
    void aCsiSplitAfterItsBracketWaitsForTheFinalByte() {
        typed("ab");

        input(ESC + "[");
        input("D");

        assertEquals("\b", output());
    }

    @Test
    void webreplCliKeysOneBytePerFrameAreDecoded() {
        for (String b : List.of("a", "b", ESC, "[", "D", "X", "\r")) {
            input(b);
        }

        assertEquals("ab\bXb\b\r\n=aXb\r\n> ", output());
    }

    @Test
    void aControlByteInsideACsiAbandonsItAndIsProcessed() {
        typed("a");

        input(ESC + "[1\r");

        assertEquals("\r\n=a\r\n> ", output());
    }

    // --- History ---------------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2})
    void upAndDownBrowseTheHistoryAndComeBackToTheDraft(int keys) {
        String up = List.of(ESC + "[A", ESC + "OA", "\u0010").get(keys);
        String down = List.of(ESC + "[B", ESC + "OB", "\u000e").get(keys);
        input("one\rtwo\r");
        typed("d");

        input(up);
        assertEquals("\btwo", output());
        input(up);
        assertEquals(ESC + "[3Done", output());
        input(down);
        assertEquals(ESC + "[3Dtwo", output());
        input(down);
        assertEquals(ESC + "[3Dd" + CLEAR, output());
        input(down);
        assertEquals("", output());
    }

    @Test
    void upAtTheOldestEntryStaysThere() {
        input("one\r");
        input(ESC + "[A");
        writes.clear();

        input(ESC + "[A");

        assertEquals("", output());
        assertEquals("one", entered());
    }

    @Test
    void emptyLinesAndRepeatsOfThePreviousEntryAreNotStored() {
        input("a\ra\r\rb\ra\r");

        input(ESC + "[A" + ESC + "[A" + ESC + "[A" + ESC + "[A");

        assertEquals("a", entered());
        input(ESC + "[A" + ESC + "[A");
        assertEquals("b", entered());
        input(ESC + "[A" + ESC + "[A" + ESC + "[A" + ESC + "[A" + ESC + "[A");
        assertEquals("a", entered());
    }

    @Test
    void historyKeepsTheLast500Lines() {
        for (int i = 0; i <= LineDiscipline.HISTORY_SIZE; i++) {
            input("l" + i + "\r");
        }

        input((ESC + "[A").repeat(LineDiscipline.HISTORY_SIZE + 1));

        assertEquals("l1", entered());
    }

    @Test
    void editingARecalledLineDoesNotChangeTheHistory() {
        input("one\r");
        input(ESC + "[A" + "\u007f" + ESC + "[B");

        input(ESC + "[A");

        assertEquals("one", entered());
    }

    @Test
    void enteringAnEditedRecalledLineAddsIt() {
        input("one\r");

        input(ESC + "[A" + "\u007f\r" + ESC + "[A" + ESC + "[A\r");

        assertEquals(List.of("one", "on", "one"), evaluator.lines);
    }

    // --- Tab completion --------------------------------------------------------------------------

    /** Completes the word before the cursor from a fixed list. */
    static final class CompletingEvaluator extends RecordingEvaluator {
        final List<String> words = List.of("print", "println", "pow");
        String lastInput;
        int lastCursor;

        @Override
        public Completion complete(String input, int cursor) {
            lastInput = input;
            lastCursor = cursor;
            int anchor = cursor;
            while (anchor > 0 && Character.isLetter(input.charAt(anchor - 1))) {
                anchor--;
            }
            String prefix = input.substring(anchor, cursor);
            return new Completion(anchor, words.stream().filter(w -> w.startsWith(prefix)).toList());
        }
    }

    final CompletingEvaluator completing = new CompletingEvaluator();
    final LineDiscipline completer = new LineDiscipline(completing, Runnable::run);

    private void complete(String typed) {
        completer.start(writes::add);
        completer.input(typed.getBytes(StandardCharsets.UTF_8));
        writes.clear();
        completer.input(new byte[] {'\t'});
    }

    @Test
    void tabWithOneCandidateInsertsIt() {
        complete("x=pri");

        assertEquals("nt", output());
    }

    @Test
    void tabWithSeveralCandidatesInsertsTheirCommonPrefix() {
        complete("pr");

        assertEquals("int", output());
    }

    @Test
    void tabWithSeveralCandidatesAndNoLongerPrefixListsThemAndRedrawsPromptAndLine() {
        complete("p(1)" + ESC + "[D" + ESC + "[D" + ESC + "[D");

        assertEquals("\r\nprint  println  pow\r\n> p(1)" + ESC + "[3D", output());
    }

    @Test
    void tabWithNoCandidatesDoesNothing() {
        complete("zz");

        assertEquals("", output());
    }

    @Test
    void tabPassesTheCursorAsAStringIndex() {
        complete("😀pri" + ESC + "[D");

        assertEquals("😀pri", completing.lastInput);
        assertEquals(4, completing.lastCursor);
    }

    // --- Continuation ----------------------------------------------------------------------------

    /** Complete when braces balance; continuation prompt {@code . }. */
    static final class BraceEvaluator extends RecordingEvaluator {
        @Override
        public String continuationPrompt() {
            return ". ";
        }

        @Override
        public boolean isComplete(String input) {
            return input.chars().filter(c -> c == '{').count() == input.chars().filter(c -> c == '}').count();
        }
    }

    final BraceEvaluator braces = new BraceEvaluator();
    final LineDiscipline multiLine = new LineDiscipline(braces, Runnable::run);

    private void multiLine(String s) {
        multiLine.input(s.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void anIncompleteInputShowsTheContinuationPromptAndIsEvaluatedWhole() {
        multiLine.start(writes::add);

        multiLine("f {\r");
        assertEquals("f {\r\n. ", output());
        multiLine("}\r");

        assertEquals("}\r\n=f {\n}\r\n> ", output());
        assertEquals(List.of("f {\n}"), braces.lines);
    }

    @Test
    void ctrlCDiscardsTheContinuationLines() {
        multiLine.start(writes::add);
        multiLine("{\rx");
        writes.clear();

        multiLine("\u0003");
        assertEquals("\r\n> ", output());
        multiLine("y\r");

        assertEquals(List.of("y"), braces.lines);
    }

    @Test
    void ctrlDOnAnEmptyContinuationLineDoesNothing() {
        multiLine.start(writes::add);
        multiLine("{\r");
        writes.clear();

        multiLine("\u0004");

        assertEquals("", output());
        assertFalse(multiLine.ended());
    }

    @Test
    void ctrlLInAContinuationRedrawsTheContinuationPrompt() {
        multiLine.start(writes::add);
        multiLine("{\rab");
        writes.clear();

        multiLine("\f");

        assertEquals(ESC + "[H" + ESC + "[2J. ab", output());
    }

    // --- Ctrl-C, Ctrl-D, Ctrl-L ------------------------------------------------------------------

    @Test
    void ctrlCCancelsTheLineWithCrLfAndAPrompt() {
        typed("abc");

        input(0x03);

        assertEquals("\r\n> ", output());
        assertTrue(evaluator.lines.isEmpty());
        assertEquals("", entered());
    }

    @Test
    void ctrlCOnAnEmptyLineWritesCrLfAndThePrompt() {
        input(0x03);

        assertEquals("\r\n> ", output());
    }

    @Test
    void echoBeforeCtrlCInTheSameInputComesFirstInOneWrite() {
        input(0x61, 0x03, 0x62);

        assertEquals(List.of("a\r\n> b"), writes.stream().map(w -> new String(w, StandardCharsets.US_ASCII)).toList());
    }

    @Test
    void interruptAtThePromptCancelsTheLineAndWritesCrLfAndThePrompt() {
        typed("abc");

        discipline.interrupt();
        input("\r");

        assertEquals("\r\n> \r\n=\r\n> ", output());
        assertEquals(List.of(""), evaluator.lines);
    }

    @Test
    void interruptAtThePromptDoesTheLineWorkOnTheExecutorNotInline() {
        List<Runnable> tasks = new ArrayList<>();
        LineDiscipline queued = new LineDiscipline(evaluator, tasks::add);
        queued.start(writes::add);

        queued.interrupt();
        assertEquals("", output());
        tasks.forEach(Runnable::run);

        assertEquals("\r\n> ", output());
        assertEquals(0, evaluator.interrupts.get());
    }

    @Test
    void ctrlDOnAnEmptyLineEndsTheInput() {
        input(0x04);

        assertEquals("\r\n", output());
        assertTrue(discipline.ended());
    }

    @Test
    void inputAfterTheEndIsIgnored() {
        input(0x04, 'a');
        input("b\r");

        assertEquals("\r\n", output());
        assertTrue(evaluator.lines.isEmpty());
    }

    @Test
    void ctrlLClearsTheScreenAndRedrawsPromptAndLine() {
        typed("ab" + ESC + "[D");

        input(0x0C);

        assertEquals(ESC + "[H" + ESC + "[2J> ab\b", output());
        assertEquals("ab", entered());
    }

    @Test
    void anEvaluatorThatHasFinishedEndsTheInputWithoutAPrompt() {
        LineDiscipline exiting = new LineDiscipline(new RecordingEvaluator() {
            @Override
            public boolean finished() {
                return lines.contains("/exit");
            }
        }, Runnable::run);
        exiting.start(writes::add);

        exiting.input("/exit\rx".getBytes(StandardCharsets.US_ASCII));

        assertEquals("/exit\r\n=/exit\r\n", output());
        assertTrue(exiting.ended());
    }

    // --- as an engine ----------------------------------------------------------------------------

    /** A session stand-in: input from {@code input}, output to {@code out}, exits and failures recorded. */
    static final class FakeContext implements EngineContext {
        final Flux<byte[]> input;
        final TerminalOutput out;
        final List<Throwable> failures = new CopyOnWriteArrayList<>();
        final List<Integer> exits = new CopyOnWriteArrayList<>();
        final List<java.time.Duration> evaluations = new CopyOnWriteArrayList<>();

        FakeContext(Flux<byte[]> input, TerminalOutput out) {
            this.input = input;
            this.out = out;
        }

        @Override
        public String sessionId() {
            return "test";
        }

        @Override
        public Flux<byte[]> input() {
            return input;
        }

        @Override
        public EngineOutput output() {
            return new EngineOutput() {
                @Override
                public void write(byte[] bytes) {
                    out.write(bytes);
                }

                @Override
                public WriteResult tryWrite(byte[] bytes) {
                    out.write(bytes);
                    return WriteResult.WRITTEN;
                }

                @Override
                public void writeBlocking(byte[] bytes) {
                    out.write(bytes);
                }
            };
        }

        @Override
        public void pausable(Pausable producer) {
        }

        @Override
        public dev.webrepl.core.engine.EngineRecorder recorder() {
            return new dev.webrepl.core.engine.EngineRecorder() {
                @Override
                public void evaluated(java.time.Duration took) {
                    evaluations.add(took);
                }
            };
        }

        @Override
        public void exited(int status) {
            exits.add(status);
        }

        @Override
        public void failed(Throwable error) {
            failures.add(error);
        }
    }

    @Test
    void asAnEngineItRequestsOneChunkAndTheNextOnlyAfterProcessingIt() {
        Sinks.Many<byte[]> terminal = Sinks.many().unicast().onBackpressureBuffer();
        List<Long> requests = new ArrayList<>();
        AtomicLong outstanding = new AtomicLong();
        List<Long> outstandingWhileEvaluating = new ArrayList<>();
        Flux<byte[]> input = terminal.asFlux()
                .doOnNext(chunk -> outstanding.decrementAndGet())
                .doOnRequest(n -> {
                    requests.add(n);
                    outstanding.addAndGet(n);
                });
        LineDiscipline engine = new LineDiscipline(new RecordingEvaluator() {
            @Override
            public void evaluate(String line, TerminalOutput output) {
                outstandingWhileEvaluating.add(outstanding.get());
                super.evaluate(line, output);
            }
        }, Runnable::run);
        for (String chunk : List.of("1+", "1\r", "2\r")) {
            terminal.emitNext(chunk.getBytes(StandardCharsets.UTF_8), Sinks.EmitFailureHandler.FAIL_FAST);
        }

        engine.start(new FakeContext(input, writes::add));

        assertEquals(List.of(0L, 0L), outstandingWhileEvaluating);
        assertEquals(List.of(1L, 1L, 1L, 1L), requests);
        assertEquals(1, outstanding.get());
        assertEquals("> 1+1\r\n=1+1\r\n> 2\r\n=2\r\n> ", output());
    }

    /** Blocks in evaluate until interrupted (bounded), on whatever thread the discipline uses. */
    static final class BlockingEvaluator extends RecordingEvaluator {
        final CountDownLatch started = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final AtomicReference<String> thread = new AtomicReference<>();

        @Override
        public void evaluate(String line, TerminalOutput output) {
            thread.set(Thread.currentThread().getName());
            started.countDown();
            try {
                if (!release.await(10, TimeUnit.SECONDS)) {
                    throw new AssertionError("never interrupted");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            super.evaluate(line, output);
        }

        @Override
        public void interrupt() {
            super.interrupt();
            release.countDown();
        }
    }

    /** Collects output across threads; {@link #next(int)} waits (bounded) for the next n bytes. */
    static final class Screen implements TerminalOutput {
        final BlockingQueue<Byte> bytes = new LinkedBlockingQueue<>();

        @Override
        public void write(byte[] b) {
            for (byte x : b) {
                bytes.add(x);
            }
        }

        String next(int n) throws InterruptedException {
            byte[] b = new byte[n];
            for (int i = 0; i < n; i++) {
                Byte x = bytes.poll(5, TimeUnit.SECONDS);
                if (x == null) {
                    throw new AssertionError("only " + new String(b, 0, i, StandardCharsets.UTF_8));
                }
                b[i] = x;
            }
            return new String(b, StandardCharsets.UTF_8);
        }
    }

    @Test
    void asAnEngineALongEvaluationRunsOnItsOwnThreadRequestsNothingAndIsInterruptedAtOnce() throws Exception {
        Sinks.Many<byte[]> terminal = Sinks.many().unicast().onBackpressureBuffer();
        BlockingQueue<Long> requests = new LinkedBlockingQueue<>();
        Flux<byte[]> input = terminal.asFlux().doOnRequest(requests::add);
        BlockingEvaluator blocking = new BlockingEvaluator();
        LineDiscipline engine = new LineDiscipline(blocking);
        Screen screen = new Screen();
        FakeContext context = new FakeContext(input, screen);
        engine.start(context);
        assertEquals(1L, requests.poll(5, TimeUnit.SECONDS));

        terminal.emitNext("loop\r".getBytes(StandardCharsets.UTF_8), Sinks.EmitFailureHandler.FAIL_FAST);
        assertTrue(blocking.started.await(5, TimeUnit.SECONDS));
        assertEquals("> loop\r\n", screen.next(8), "the prompt at start, then the echo");
        terminal.emitNext("x".getBytes(StandardCharsets.UTF_8), Sinks.EmitFailureHandler.FAIL_FAST);
        assertTrue(requests.isEmpty(), "no chunk requested while evaluating");

        engine.interrupt();
        assertEquals(1, blocking.interrupts.get(), "interrupt() called the evaluator's interrupt before returning");

        assertEquals("=loop\r\n> ", screen.next(9));
        assertEquals(1L, requests.poll(5, TimeUnit.SECONDS));
        assertEquals("x", screen.next(1));
        assertEquals("webrepl-line-test", blocking.thread.get());
        assertEquals(1, context.evaluations.size(), "the evaluation was reported to the recorder");
        engine.close();
    }

    @Test
    void ctrlCInBandWhileEvaluatingInterruptsAtOnceAndIsDropped() throws Exception {
        BlockingEvaluator blocking = new BlockingEvaluator();
        LineDiscipline threaded = new LineDiscipline(blocking);
        Screen screen = new Screen();
        threaded.start(screen);
        threaded.input("loop\r".getBytes(StandardCharsets.UTF_8));
        assertTrue(blocking.started.await(5, TimeUnit.SECONDS));

        threaded.input(new byte[] {'a', 0x03, 'b'});
        assertEquals(1, blocking.interrupts.get());

        assertEquals("loop\r\n=loop\r\n> ab", screen.next(17));
        threaded.close();
    }

    @Test
    void asAnEngineItGivesTheEvaluatorTheSessionsContextBeforeTheFirstPrompt() {
        List<String> seen = new ArrayList<>();
        LineDiscipline engine = new LineDiscipline(new RecordingEvaluator() {
            @Override
            public void start(EngineContext context) {
                seen.add("start " + context.sessionId() + " written " + writes.size());
            }
        }, Runnable::run);
        engine.start(new FakeContext(Flux.never(), writes::add));

        assertEquals(List.of("start test written 0"), seen);
        assertEquals("> ", new String(writes.get(0), StandardCharsets.UTF_8));
        engine.close();
    }

    @Test
    void asAnEngineCtrlDOnAnEmptyLineExitsWithZeroAndStopsReading() {
        TestPublisher<byte[]> input = TestPublisher.create();
        LineDiscipline engine = new LineDiscipline(evaluator, Runnable::run);
        FakeContext context = new FakeContext(input.flux(), writes::add);
        engine.start(context);

        input.next(new byte[] {0x04});

        assertEquals(List.of(0), context.exits);
        assertEquals("> \r\n", output(), "the prompt at start, then Ctrl-D's newline");
        input.assertMinRequested(0);
        input.assertMaxRequested(0);
    }

    @Test
    void asAnEngineAFinishedEvaluatorExitsWithZero() {
        TestPublisher<byte[]> input = TestPublisher.create();
        LineDiscipline engine = new LineDiscipline(new RecordingEvaluator() {
            @Override
            public boolean finished() {
                return true;
            }
        }, Runnable::run);
        FakeContext context = new FakeContext(input.flux(), writes::add);
        engine.start(context);

        input.next("bye\r".getBytes(StandardCharsets.UTF_8));

        assertEquals(List.of(0), context.exits);
    }

    @Test
    void asAnEngineAnEvaluatorFailureCancelsTheInputAndReportsTheFailure() {
        TestPublisher<byte[]> input = TestPublisher.create();
        IllegalStateException boom = new IllegalStateException("boom");
        LineDiscipline engine = new LineDiscipline(new RecordingEvaluator() {
            @Override
            public void evaluate(String line, TerminalOutput output) {
                throw boom;
            }
        }, Runnable::run);
        FakeContext context = new FakeContext(input.flux(), writes::add);
        engine.start(context);

        input.next("x\r".getBytes(StandardCharsets.UTF_8));

        assertEquals(List.of(boom), context.failures);
        input.assertCancelled();
    }

    @Test
    void asAnEngineAnInputErrorIsReportedAsAFailure() {
        TestPublisher<byte[]> input = TestPublisher.create();
        FakeContext context = new FakeContext(input.flux(), writes::add);
        LineDiscipline engine = new LineDiscipline(evaluator, Runnable::run);
        engine.start(context);
        IllegalStateException boom = new IllegalStateException("boom");

        input.error(boom);

        assertEquals(List.of(boom), context.failures);
    }

    @Test
    void closeClosesTheEvaluatorOnce() {
        discipline.close();
        discipline.close();

        assertEquals(1, evaluator.closes);
    }

    @Test
    void closeInterruptsARunningEvaluation() throws Exception {
        BlockingEvaluator blocking = new BlockingEvaluator();
        LineDiscipline threaded = new LineDiscipline(blocking);
        threaded.start(new Screen());
        threaded.input("loop\r".getBytes(StandardCharsets.UTF_8));
        assertTrue(blocking.started.await(5, TimeUnit.SECONDS));

        threaded.close();

        assertEquals(1, blocking.interrupts.get());
        assertEquals(1, blocking.closes);
    }

    /**
     * Typing at the end of a long line costs each key a few bytes, not a copy of the line: 60,000 keys
     * in one line (within MAX_LINE) allocate less than 256 bytes a key on this thread (each key is its own
     * input here: the write, the echo and the task that runs it; a copy of the line would average 120 kB). Before, every key
     * copied the whole line (about 7 GB for this line), so a client typing a flood made the server's
     * allocation grow with the square of its line length (issue #15, BENCHMARKS.md "Input flood").
     */
    @Test
    void typingALongLineCostsEachKeyAFewBytesNotACopyOfTheLine() {
        com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        byte[] key = {'x'};
        int keys = 60_000;
        discipline.input(key);   // warm: the first key sizes the screen buffer
        writes.clear();
        long before = threads.getCurrentThreadAllocatedBytes();
        for (int i = 1; i < keys; i++) {
            discipline.input(key);
        }
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        assertEquals(keys - 1, writes.size());
        assertEquals("x", new String(writes.get(keys - 2), StandardCharsets.UTF_8));
        assertTrue(allocated < 256L * keys, "allocated " + allocated + " bytes for " + keys + " keys");
        input("\r");
        assertEquals("x".repeat(keys), evaluator.lines.get(0));
    }
}
