package dev.webrepl.core.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class Utf8TextFramerTest {
    private static final HexFormat HEX = HexFormat.of();

    private final List<byte[]> frames = new ArrayList<>();
    private final Utf8TextFramer framer = new Utf8TextFramer(frames::add);

    private List<String> takeFrames() {
        List<String> hex = frames.stream().map(HEX::formatHex).toList();
        frames.clear();
        return hex;
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static void assertStrictUtf8(byte[] frame) {
        try {
            StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(frame));
        } catch (CharacterCodingException e) {
            throw new AssertionError("frame is not valid UTF-8: " + HEX.formatHex(frame), e);
        }
    }

    private static byte[] concat(List<byte[]> parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        parts.forEach(out::writeBytes);
        return out.toByteArray();
    }

    /** Text of {@code minBytes} or more UTF-8 bytes mixing 1-, 2-, 3- and 4-byte characters. */
    private static byte[] mixedText(long seed, int minBytes) {
        String[] chars = {"a", "\r\n", "é", "Д", "€", "中", "😀", "𝄞", " "};
        Random random = new Random(seed);
        StringBuilder text = new StringBuilder();
        int bytes = 0;
        while (bytes < minBytes) {
            String c = chars[random.nextInt(chars.length)];
            text.append(c);
            bytes += utf8(c).length;
        }
        return utf8(text.toString());
    }

    @Test
    void asciiPassesUnchangedInOneFrame() {
        framer.write(utf8("1+1\r\n2\r\n>>> "));

        assertEquals(List.of(HEX.formatHex(utf8("1+1\r\n2\r\n>>> "))), takeFrames());
        assertEquals(0, framer.pendingBytes());
    }

    @Test
    void controlBytesAndNulAreValidUtf8AndPassUnchanged() {
        framer.write(new byte[] {0, 1, 4, 0x1B, 0x7F});

        assertEquals(List.of("0001041b7f"), takeFrames());
    }

    @Test
    void anEmptyWriteEmitsNothing() {
        framer.write(new byte[0]);

        assertEquals(List.of(), takeFrames());
    }

    @Test
    void validMultiByteTextPassesUnchanged() {
        byte[] text = utf8("é Д € 中 😀 𝄞");

        framer.write(text);

        assertEquals(List.of(HEX.formatHex(text)), takeFrames());
    }

    @ParameterizedTest
    @ValueSource(strings = {"é", "€", "😀"})
    void aCharacterSplitAtEveryBytePositionIsEmittedWholeOnceComplete(String character) {
        byte[] c = utf8(character);
        for (int split = 1; split < c.length; split++) {
            Utf8TextFramer f = new Utf8TextFramer(frames::add);

            f.write(concat(List.of(utf8("a"), Arrays.copyOf(c, split))));
            assertEquals(List.of(HEX.formatHex(utf8("a"))), takeFrames(), "split " + split);
            assertEquals(split, f.pendingBytes());
            f.write(concat(List.of(Arrays.copyOfRange(c, split, c.length), utf8("b"))));

            assertEquals(List.of(HEX.formatHex(utf8(character + "b"))), takeFrames(), "split " + split);
            assertEquals(0, f.pendingBytes());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"é", "€", "😀"})
    void aCharacterWrittenOneByteAtATimeIsEmittedOnceWithItsLastByte(String character) {
        byte[] c = utf8(character);

        for (int i = 0; i < c.length - 1; i++) {
            framer.write(new byte[] {c[i]});
            assertEquals(List.of(), takeFrames(), "after byte " + i);
        }
        framer.write(new byte[] {c[c.length - 1]});

        assertEquals(List.of(HEX.formatHex(c)), takeFrames());
    }

    @Test
    void aFourByteCharacterSplitOverThreeWritesIsEmittedWhole() {
        byte[] c = utf8("😀");

        framer.write(Arrays.copyOfRange(c, 0, 1));
        framer.write(Arrays.copyOfRange(c, 1, 3));
        assertEquals(List.of(), takeFrames());
        framer.write(Arrays.copyOfRange(c, 3, 4));

        assertEquals(List.of(HEX.formatHex(c)), takeFrames());
    }

    @ParameterizedTest
    @ValueSource(strings = {"c3", "e2", "e282", "f0", "f09f", "f09f98"})
    void aWriteThatIsOnlyAnIncompletePrefixEmitsNothing(String prefix) {
        framer.write(HEX.parseHex(prefix));

        assertEquals(List.of(), takeFrames());
        assertEquals(prefix.length() / 2, framer.pendingBytes());
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
        "ff, efbfbd",
        "fe, efbfbd",
        "c0, efbfbd",
        "c080, efbfbdefbfbd",
        "c1bf, efbfbdefbfbd",
        "80, efbfbd",
        "bf, efbfbd",
        "eda080, efbfbdefbfbdefbfbd",
        "f5808080, efbfbdefbfbdefbfbdefbfbd",
        "f4908080, efbfbdefbfbdefbfbdefbfbd",
        "e0809f, efbfbdefbfbdefbfbd",
        "41ff42, 41efbfbd42",
        "e28241, efbfbd41",
        "f09f9841, efbfbd41",
        "c341, efbfbd41",
        "e2e282ac, efbfbde282ac",
    })
    void invalidBytesBecomeTheReplacementCharacter(String input, String output) {
        framer.write(HEX.parseHex(input));

        assertEquals(List.of(output), takeFrames());
        assertEquals(0, framer.pendingBytes());
    }

    @Test
    void aHeldPrefixThatTheNextWriteBreaksBecomesOneReplacementCharacter() {
        framer.write(HEX.parseHex("41e282"));
        assertEquals(List.of("41"), takeFrames());

        framer.write(utf8("B"));

        assertEquals(List.of("efbfbd42"), takeFrames());
    }

    @Test
    void outputOver65535BytesIsCutIntoValidFramesThatConcatenateToTheInput() {
        byte[] text = mixedText(1, 200_000);

        framer.write(text);

        assertTrue(frames.size() >= 4, "200 000 bytes need at least 4 frames, got " + frames.size());
        for (byte[] frame : frames) {
            assertTrue(frame.length <= Utf8TextFramer.MAX_FRAME, "frame of " + frame.length + " bytes");
            assertStrictUtf8(frame);
        }
        assertArrayEquals(text, concat(frames));
    }

    @Test
    void multiByteTextWrittenInRandomPiecesGivesValidFramesThatConcatenateToTheInput() {
        byte[] text = mixedText(2, 200_000);
        Random random = new Random(2);

        int at = 0;
        while (at < text.length) {
            int n = Math.min(text.length - at, 1 + random.nextInt(random.nextBoolean() ? 5 : 100_000));
            framer.write(Arrays.copyOfRange(text, at, at + n));
            at += n;
        }

        for (byte[] frame : frames) {
            assertTrue(frame.length <= Utf8TextFramer.MAX_FRAME);
            assertTrue(frame.length > 0, "no empty frames");
            assertStrictUtf8(frame);
        }
        assertArrayEquals(text, concat(frames));
    }

    @Test
    void randomBytesInRandomPiecesGiveTheSameOutputAsOneWrite() {
        for (long seed = 0; seed < 20; seed++) {
            Random random = new Random(seed);
            byte[] bytes = new byte[5000];
            random.nextBytes(bytes);
            bytes[bytes.length - 1] = 'z'; // nothing held back at the end
            List<byte[]> whole = new ArrayList<>();
            new Utf8TextFramer(whole::add).write(bytes);

            int at = 0;
            while (at < bytes.length) {
                int n = Math.min(bytes.length - at, 1 + random.nextInt(7));
                framer.write(Arrays.copyOfRange(bytes, at, at + n));
                at += n;
            }

            frames.forEach(Utf8TextFramerTest::assertStrictUtf8);
            assertArrayEquals(concat(whole), concat(frames), "seed " + seed);
            frames.clear();
        }
    }

    @Test
    void aSmallFrameLimitCutsBetweenCharacters() {
        Utf8TextFramer small = new Utf8TextFramer(frames::add, 4);

        small.write(utf8("a€b😀cd"));

        assertEquals(List.of(HEX.formatHex(utf8("a€")), HEX.formatHex(utf8("b")), HEX.formatHex(utf8("😀")),
                HEX.formatHex(utf8("cd"))), takeFrames());
    }

    @Test
    void aReplacementCharacterIsNotSplitAcrossFrames() {
        Utf8TextFramer small = new Utf8TextFramer(frames::add, 4);

        small.write(HEX.parseHex("414243ff"));

        assertEquals(List.of("414243", "efbfbd"), takeFrames());
    }

    @Test
    void blockCopyingGivesTheSameFramesAsTheCharacterByCharacterModel() {
        // Bytes that are mostly UTF-8 with some broken sequences, in random pieces, at several frame limits.
        byte[][] alphabet = {utf8("a"), utf8("é"), utf8("€"), utf8("😀"), {(byte) 0xFF}, {(byte) 0x80},
            {(byte) 0xE2, (byte) 0x82}, {(byte) 0xF0, (byte) 0x9F}, {(byte) 0xED, (byte) 0xA0, (byte) 0x80}};
        for (long seed = 0; seed < 200; seed++) {
            Random random = new Random(seed);
            ByteArrayOutputStream text = new ByteArrayOutputStream();
            int size = 1 + random.nextInt(random.nextBoolean() ? 40 : 3000);
            while (text.size() < size) {
                text.writeBytes(alphabet[random.nextInt(random.nextInt(4) == 0 ? alphabet.length : 4)]);
            }
            byte[] bytes = text.toByteArray();
            int maxFrame = random.nextBoolean() ? 4 + random.nextInt(20) : Utf8TextFramer.MAX_FRAME;
            List<byte[]> expected = new ArrayList<>();
            FramerModel model = new FramerModel(expected::add, maxFrame);
            Utf8TextFramer subject = new Utf8TextFramer(frames::add, maxFrame);

            int at = 0;
            while (at < bytes.length) {
                int n = Math.min(bytes.length - at, 1 + random.nextInt(random.nextBoolean() ? 5 : 500));
                byte[] piece = Arrays.copyOfRange(bytes, at, at + n);
                model.write(piece);
                subject.write(piece);
                assertEquals(model.pendingLength, subject.pendingBytes(), "seed " + seed);
                at += n;
            }

            assertEquals(expected.stream().map(HEX::formatHex).toList(), takeFrames(), "seed " + seed);
        }
    }

    /** The framer as it was, one character at a time through a ByteArrayOutputStream: the model for frame boundaries. */
    private static final class FramerModel {
        private final Consumer<byte[]> frames;
        private final int maxFrame;
        private final byte[] pending = new byte[3];
        private int pendingLength;

        FramerModel(Consumer<byte[]> frames, int maxFrame) {
            this.frames = frames;
            this.maxFrame = maxFrame;
        }

        void write(byte[] bytes) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] input = new byte[pendingLength + bytes.length];
            System.arraycopy(pending, 0, input, 0, pendingLength);
            System.arraycopy(bytes, 0, input, pendingLength, bytes.length);
            pendingLength = 0;
            int i = 0;
            int n = input.length;
            while (i < n) {
                int b = input[i] & 0xFF;
                int need = b < 0x80 ? 0 : b >= 0xC2 && b <= 0xDF ? 1 : b >= 0xE0 && b <= 0xEF ? 2
                        : b >= 0xF0 && b <= 0xF4 ? 3 : -1;
                int len;
                if (need < 0) {
                    len = -1;
                } else if (i + need >= n) {
                    if (prefixValid(input, i, n)) {
                        System.arraycopy(input, i, pending, 0, n - i);
                        pendingLength = n - i;
                        break;
                    }
                    len = -1;
                } else {
                    len = prefixValid(input, i, i + need + 1) ? need + 1 : -1;
                }
                int size = len < 0 ? 3 : len;
                if (out.size() + size > maxFrame) {
                    frames.accept(out.toByteArray());
                    out.reset();
                }
                if (len < 0) {
                    out.write(0xEF);
                    out.write(0xBF);
                    out.write(0xBD);
                    int end = Math.min(n, i + need + 1);
                    int m = 1;
                    while (need > 0 && i + m < end && prefixValid(input, i, i + m + 1)) {
                        m++;
                    }
                    i += m;
                } else {
                    out.write(input, i, len);
                    i += len;
                }
            }
            if (out.size() > 0) {
                frames.accept(out.toByteArray());
            }
        }

        private static boolean prefixValid(byte[] in, int i, int end) {
            int b0 = in[i] & 0xFF;
            for (int k = i + 1; k < end; k++) {
                int b = in[k] & 0xFF;
                int lo = k == i + 1 && b0 == 0xE0 ? 0xA0 : k == i + 1 && b0 == 0xF0 ? 0x90 : 0x80;
                int hi = k == i + 1 && b0 == 0xED ? 0x9F : k == i + 1 && b0 == 0xF4 ? 0x8F : 0xBF;
                if (b < lo || b > hi) {
                    return false;
                }
            }
            return true;
        }
    }

    @Test
    void aFrameLimitBelowOneCodePointIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> new Utf8TextFramer(frames::add, 3));
    }

    /**
     * A write that is one whole valid frame goes out as the same array, uncopied (most terminal output:
     * issue #15's allocation per relayed byte); one that completes a pending sequence is copied.
     */
    @Test
    void aWholeValidWriteIsItsOwnFrameUncopied() {
        byte[] text = utf8("grüße €\r\n");
        framer.write(text);
        assertEquals(1, frames.size());
        assertSame(text, frames.get(0));
        frames.clear();
        byte[] euro = utf8("€");
        framer.write(Arrays.copyOf(euro, 1));
        assertEquals(0, frames.size());
        byte[] rest = Arrays.copyOfRange(euro, 1, 3);
        framer.write(rest);
        assertEquals(1, frames.size());
        assertNotSame(rest, frames.get(0));
        assertArrayEquals(euro, frames.get(0));
    }
}
