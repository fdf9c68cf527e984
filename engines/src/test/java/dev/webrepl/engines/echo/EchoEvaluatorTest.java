package dev.webrepl.engines.echo;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.webrepl.core.engine.EngineContext;
import dev.webrepl.core.engine.EngineOutput;
import dev.webrepl.core.engine.Pausable;
import dev.webrepl.core.engine.ReplEngine;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Sinks;

class EchoEvaluatorTest {
    /** Output bytes as written, across threads: the engine edits and evaluates on a thread of its own. */
    private final BlockingQueue<Byte> writes = new LinkedBlockingQueue<>();
    private final Sinks.Many<byte[]> terminal = Sinks.many().unicast().onBackpressureBuffer();
    private final ReplEngine engine = EchoEvaluator.engine();

    /** A session stand-in: input from {@link #terminal}, output to {@link #writes}. */
    private final class FakeContext implements EngineContext {
        @Override
        public String sessionId() {
            return "test";
        }

        @Override
        public Flux<byte[]> input() {
            return terminal.asFlux();
        }

        @Override
        public EngineOutput output() {
            return new EngineOutput() {
                @Override
                public void write(byte[] bytes) {
                    for (byte b : bytes) {
                        writes.add(b);
                    }
                }

                @Override
                public WriteResult tryWrite(byte[] bytes) {
                    write(bytes);
                    return WriteResult.WRITTEN;
                }

                @Override
                public void writeBlocking(byte[] bytes) {
                    write(bytes);
                }
            };
        }

        @Override
        public void pausable(Pausable producer) {
        }

        @Override
        public void exited(int status) {
            throw new AssertionError("exited " + status);
        }

        @Override
        public void failed(Throwable error) {
            throw new AssertionError(error);
        }
    }

    @BeforeEach
    void start() throws Exception {
        engine.start(new FakeContext());
    }

    @AfterEach
    void close() {
        engine.close();
    }

    private void input(byte... bytes) {
        terminal.emitNext(bytes, Sinks.EmitFailureHandler.FAIL_FAST);
    }

    private void input(String s) {
        input(s.getBytes(StandardCharsets.UTF_8));
    }

    /** The next {@code n} output bytes, waiting (bounded) for them. */
    private byte[] output(int n) throws InterruptedException {
        byte[] out = new byte[n];
        for (int i = 0; i < n; i++) {
            Byte b = writes.poll(5, TimeUnit.SECONDS);
            if (b == null) {
                throw new AssertionError("only " + i + " of " + n + " bytes written");
            }
            out[i] = b;
        }
        return out;
    }

    private void assertOutput(String expected) throws InterruptedException {
        byte[] bytes = expected.getBytes(StandardCharsets.UTF_8);
        assertEquals(hex(expected), HexFormat.of().formatHex(output(bytes.length)));
    }

    private static String hex(String s) {
        return HexFormat.of().formatHex(s.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void promptIsThatOfMicroPython() {
        assertEquals(">>> ", new EchoEvaluator().prompt());
    }

    @Test
    void onePlusOneIsEchoedThenRepeatedThenPrompted() throws Exception {
        input("1+1\r");

        assertOutput("1+1\r\n1+1\r\n>>> ");
    }

    @Test
    void crLfIsOneEnter() throws Exception {
        input("1+1\r\n");
        input("2\r");

        assertOutput("1+1\r\n1+1\r\n>>> 2\r\n2\r\n>>> ");
    }

    @Test
    void anEmptyLineGivesOnlyANewPrompt() throws Exception {
        input("\r");

        assertOutput("\r\n>>> ");
    }

    @Test
    void backspaceOnAnEmptyLineOutputsNothing() throws Exception {
        input((byte) 0x7F);
        input((byte) 0x08);
        input("\r");

        assertOutput("\r\n>>> ");
    }

    @Test
    void backspaceAfterAMultiByteCharacterErasesAllItsBytes() throws Exception {
        input("aД");
        assertOutput("aД");

        input((byte) 0x7F);
        input("\r");

        assertOutput("\b\u001b[K\r\na\r\n>>> ");
    }

    @Test
    void multiByteLinesAreEchoedBackAsUtf8() throws Exception {
        input("é€😀\r");

        assertOutput("é€😀\r\né€😀\r\n>>> ");
    }

    @Test
    void ctrlCCancelsTheLine() throws Exception {
        input("1+");
        assertOutput("1+");

        input((byte) 0x03);
        input("\r");

        assertOutput("\r\n>>> \r\n>>> ");
    }

    @Test
    void anOutOfBandInterruptCancelsTheLineWithMicroPythonsPrompt() throws Exception {
        input("1+");
        assertOutput("1+");

        engine.interrupt();

        assertOutput("\r\n>>> ");
    }

    @Test
    void controlBytesWithoutAnEditingMeaningAreIgnored() throws Exception {
        input((byte) 'x', (byte) 0x00, (byte) 0x07, (byte) 0x1F, (byte) 'y', (byte) '\r');

        assertOutput("xy\r\nxy\r\n>>> ");
    }

    @Test
    void arrowKeysEditTheLine() throws Exception {
        input("13\u001b[D2\r");

        assertOutput("13\b23\b\r\n123\r\n>>> ");
    }

    @Test
    void upRecallsThePreviousLine() throws Exception {
        input("1+1\r");
        assertOutput("1+1\r\n1+1\r\n>>> ");

        input("\u001b[A\r");

        assertOutput("1+1\r\n1+1\r\n>>> ");
    }
}
