package dev.webrepl.core.terminal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.webrepl.core.engine.EngineContext;
import dev.webrepl.core.engine.EngineOutput;
import dev.webrepl.core.engine.LineEvaluator;
import dev.webrepl.core.engine.Pausable;
import dev.webrepl.core.engine.TerminalOutput;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Sinks;
import reactor.test.publisher.TestPublisher;

class LineDisciplineTest {
    /** Records each line and answers {@code =<line>\r\n}; the prompt is {@code > }. */
    static class RecordingEvaluator implements LineEvaluator {
        final List<String> lines = new ArrayList<>();
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
        public void close() {
            closes++;
        }
    }

    final RecordingEvaluator evaluator = new RecordingEvaluator();
    final LineDiscipline discipline = new LineDiscipline(evaluator);
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

    /** The output so far, decoded as UTF-8 (tests use valid text only), and forgotten. */
    private String output() {
        StringBuilder s = new StringBuilder();
        writes.forEach(w -> s.append(new String(w, StandardCharsets.UTF_8)));
        writes.clear();
        return s.toString();
    }

    @Test
    void enterEchoesCrLfEvaluatesTheLineThenWritesThePrompt() {
        input("1+1\r");

        assertEquals(List.of("1+1\r\n", "=1+1\r\n", "> "),
                writes.stream().map(w -> new String(w, StandardCharsets.US_ASCII)).toList());
        assertEquals(List.of("1+1"), evaluator.lines);
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

    @ParameterizedTest
    @ValueSource(ints = {0x08, 0x7F})
    void backspaceOnAnEmptyLineOutputsNothing(int key) {
        input(key);

        assertEquals(List.of(), writes);
    }

    @ParameterizedTest
    @ValueSource(ints = {0x08, 0x7F})
    void backspaceErasesTheLastCharacterFromLineAndScreen(int key) {
        input("ab");
        input(key);
        input("\r");

        assertEquals("ab\b \b\r\n=a\r\n> ", output());
        assertEquals(List.of("a"), evaluator.lines);
    }

    @ParameterizedTest
    @ValueSource(strings = {"é", "€", "😀"})
    void backspaceAfterAMultiByteCharacterErasesAllItsBytes(String character) {
        input("a" + character);
        writes.clear();

        input(0x7F);
        input("\r");

        assertEquals("\b \b\r\n=a\r\n> ", output());
        assertEquals(List.of("a"), evaluator.lines);
    }

    @Test
    void backspaceAfterAMultiByteCharacterTypedByteByByteErasesAllItsBytes() {
        byte[] euro = "€".getBytes(StandardCharsets.UTF_8);
        input("a");
        for (byte b : euro) {
            discipline.input(new byte[] {b});
        }

        input(0x7F, 0x7F);
        input("\r");

        assertEquals(List.of(""), evaluator.lines);
    }

    @Test
    void backspaceAfterAStrayContinuationByteErasesOnlyThatByte() {
        input(0x61, 0x80, 0x80);
        writes.clear();

        input(0x7F);
        input(0x7F);
        input("\r");

        assertEquals(List.of("a"), evaluator.lines);
        assertEquals("\b \b\b \b\r\n=a\r\n> ", output());
    }

    @Test
    void backspacePastTheStartOfTheLineStopsAtTheStart() {
        input("é");
        writes.clear();

        input(0x7F, 0x7F, 0x7F);

        assertEquals("\b \b", output());
    }

    @Test
    void ctrlCCancelsTheLineWithCrLfAndAPrompt() {
        input("abc");
        writes.clear();

        input(0x03);

        assertEquals("\r\n> ", output());
        assertTrue(evaluator.lines.isEmpty());
        input("\r");
        assertEquals(List.of(""), evaluator.lines);
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

    @ParameterizedTest
    @ValueSource(ints = {0x00, 0x01, 0x02, 0x04, 0x05, 0x07, 0x09, 0x0B, 0x0C, 0x1B, 0x1F})
    void otherControlBytesAreIgnored(int control) {
        input(0x61, control, 0x62);
        input("\r");

        assertEquals("ab\r\n=ab\r\n> ", output());
        assertEquals(List.of("ab"), evaluator.lines);
    }

    @Test
    void interruptCancelsTheLineAndWritesCrLfAndThePrompt() {
        input("abc");
        writes.clear();

        discipline.interrupt();
        input("\r");

        assertEquals("\r\n> \r\n=\r\n> ", output());
        assertEquals(List.of(""), evaluator.lines);
    }

    // --- as an engine --------------------------------------------------------------------------

    /** A session stand-in: input from {@code input}, output to {@code writes}, failures recorded. */
    final class FakeContext implements EngineContext {
        final Flux<byte[]> input;
        final List<Throwable> failures = new ArrayList<>();

        FakeContext(Flux<byte[]> input) {
            this.input = input;
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
                    writes.add(bytes);
                }

                @Override
                public WriteResult tryWrite(byte[] bytes) {
                    writes.add(bytes);
                    return WriteResult.WRITTEN;
                }

                @Override
                public void writeBlocking(byte[] bytes) {
                    writes.add(bytes);
                }
            };
        }

        @Override
        public void pausable(Pausable producer) {
        }

        @Override
        public void exited(int status) {
            throw new AssertionError("a line discipline does not exit by itself");
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
        });
        for (String chunk : List.of("1+", "1\r", "2\r")) {
            terminal.emitNext(chunk.getBytes(StandardCharsets.UTF_8), Sinks.EmitFailureHandler.FAIL_FAST);
        }

        engine.start(new FakeContext(input));

        assertEquals(List.of(0L, 0L), outstandingWhileEvaluating);
        assertEquals(List.of(1L, 1L, 1L, 1L), requests);
        assertEquals(1, outstanding.get());
        assertEquals("1+1\r\n=1+1\r\n> 2\r\n=2\r\n> ", output());
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
        });
        FakeContext context = new FakeContext(input.flux());
        engine.start(context);

        input.next("x\r".getBytes(StandardCharsets.UTF_8));

        assertEquals(List.of(boom), context.failures);
        input.assertCancelled();
    }

    @Test
    void asAnEngineAnInputErrorIsReportedAsAFailure() {
        TestPublisher<byte[]> input = TestPublisher.create();
        FakeContext context = new FakeContext(input.flux());
        discipline.start(context);
        IllegalStateException boom = new IllegalStateException("boom");

        input.error(boom);

        assertEquals(List.of(boom), context.failures);
    }

    @Test
    void closeClosesTheEvaluator() {
        discipline.close();

        assertEquals(1, evaluator.closes);
    }
}
