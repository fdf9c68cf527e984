package dev.webrepl.engines.echo;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.webrepl.core.terminal.LineDiscipline;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class EchoEvaluatorTest {
    private final List<byte[]> writes = new ArrayList<>();
    // The test drives the discipline directly (start(TerminalOutput), input), not through an EngineContext.
    private final LineDiscipline engine = new LineDiscipline(new EchoEvaluator());

    @BeforeEach
    void start() {
        engine.start(writes::add);
    }

    private void input(byte... bytes) {
        engine.input(bytes);
    }

    private void input(String s) {
        engine.input(s.getBytes(StandardCharsets.UTF_8));
    }

    private byte[] output() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        writes.forEach(out::writeBytes);
        writes.clear();
        return out.toByteArray();
    }

    private static String hex(String s) {
        return HexFormat.of().formatHex(s.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void promptIsThatOfMicroPython() {
        assertEquals(">>> ", new EchoEvaluator().prompt());
    }

    @Test
    void onePlusOneIsEchoedThenRepeatedThenPrompted() {
        input("1+1\r");

        assertEquals(hex("1+1\r\n1+1\r\n>>> "), HexFormat.of().formatHex(output()));
    }

    @Test
    void crLfIsOneEnter() {
        input("1+1\r\n");

        assertEquals(hex("1+1\r\n1+1\r\n>>> "), HexFormat.of().formatHex(output()));
    }

    @Test
    void anEmptyLineGivesOnlyANewPrompt() {
        input("\r");

        assertEquals(hex("\r\n>>> "), HexFormat.of().formatHex(output()));
    }

    @Test
    void backspaceOnAnEmptyLineOutputsNothing() {
        input((byte) 0x7F);
        input((byte) 0x08);

        assertEquals(0, output().length);
    }

    @Test
    void backspaceAfterAMultiByteCharacterErasesAllItsBytes() {
        input("aД");
        output();

        input((byte) 0x7F);
        input("\r");

        assertEquals(hex("\b \b\r\na\r\n>>> "), HexFormat.of().formatHex(output()));
    }

    @Test
    void multiByteLinesAreEchoedBackAsUtf8() {
        input("é€😀\r");

        assertEquals(hex("é€😀\r\né€😀\r\n>>> "), HexFormat.of().formatHex(output()));
    }

    @Test
    void ctrlCCancelsTheLine() {
        input("1+");
        output();

        input((byte) 0x03);
        input("\r");

        assertEquals(hex("\r\n>>> \r\n>>> "), HexFormat.of().formatHex(output()));
    }

    @Test
    void controlBytesAreIgnored() {
        input((byte) 'x', (byte) 0x01, (byte) 0x1B, (byte) 0x00, (byte) 'y', (byte) '\r');

        assertEquals(hex("xy\r\nxy\r\n>>> "), HexFormat.of().formatHex(output()));
    }
}
