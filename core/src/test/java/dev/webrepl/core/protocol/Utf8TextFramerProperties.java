package dev.webrepl.core.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

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
import org.junit.jupiter.api.Test;

/**
 * Properties of {@link Utf8TextFramer} (issue #9): any bytes written in any pieces come out as
 * frames that are each non-empty, valid UTF-8 and at most the frame limit; their concatenation is
 * the input with every ill-formed sequence replaced by one U+FFFD per maximal valid prefix (the
 * class's contract, as browsers decode), an incomplete sequence at the end held back until the next
 * write. The model is the WHATWG Encoding Standard's UTF-8 decoder, written out below; the JDK's
 * decoder is not used because it is laxer at the end of input ({@code ED BF} is one U+FFFD there).
 */
class Utf8TextFramerProperties {
    private static final HexFormat HEX = HexFormat.of();

    @Test
    void anyBytesInAnyPiecesGiveValidFramesOfTheDecodedInput() {
        RandomTries.check("utf8Framer", 400, random -> {
            byte[] input = text(random);
            int maxFrame = random.nextInt(3) == 0 ? Utf8TextFramer.MAX_FRAME : 4 + random.nextInt(13);
            List<byte[]> frames = new ArrayList<>();
            Utf8TextFramer framer = new Utf8TextFramer(frames::add, maxFrame);
            int at = 0;
            int pieces = random.nextInt(40);
            for (int i = 0; i < pieces && at < input.length; i++) {
                int n = Math.min(input.length - at, random.nextInt(4) != 0 ? random.nextInt(5) : 5 + random.nextInt(4000));
                framer.write(Arrays.copyOfRange(input, at, at + n));
                at += n;
            }
            framer.write(Arrays.copyOfRange(input, at, input.length));
            int held = framer.pendingBytes();
            assertTrue(held <= 3, "at most 3 bytes held back, got " + held);
            for (byte[] frame : frames) {
                assertTrue(frame.length > 0, "an empty frame");
                assertTrue(frame.length <= maxFrame, "a frame of " + frame.length + " bytes, limit " + maxFrame);
                assertStrictUtf8(frame);
            }
            String input16 = HEX.formatHex(input);
            assertEquals(HEX.formatHex(decode(Arrays.copyOf(input, input.length - held))), HEX.formatHex(concat(frames)),
                    "frames of " + input16);

            // What was held is the start of a character: an ASCII byte next ends it as U+FFFD(s).
            frames.clear();
            framer.write(new byte[] {'z'});
            byte[] tail = Arrays.copyOfRange(input, input.length - held, input.length + 1);
            tail[tail.length - 1] = 'z';
            assertEquals(HEX.formatHex(decode(tail)), HEX.formatHex(concat(frames)), "the held bytes of " + input16);
            assertEquals(0, framer.pendingBytes());
        });
    }

    /** Random bytes, valid text of all planes, or such text with some bytes broken. */
    private static byte[] text(Random random) {
        int kind = random.nextInt(3);
        if (kind == 0) {
            byte[] b = new byte[random.nextInt(3001)];
            random.nextBytes(b);
            return b;
        }
        StringBuilder s = new StringBuilder();
        int n = random.nextInt(1500);
        for (int i = 0; i < n; i++) {
            int cp = switch (random.nextInt(4)) {
                case 0 -> random.nextInt(0x80);
                case 1 -> 0x80 + random.nextInt(0x780);
                case 2 -> 0x800 + random.nextInt(0xF800);
                default -> 0x10000 + random.nextInt(0x100000);
            };
            if (cp < 0xD800 || cp > 0xDFFF) {
                s.appendCodePoint(cp);
            }
        }
        byte[] b = s.toString().getBytes(StandardCharsets.UTF_8);
        if (kind == 2 && b.length > 0) {
            for (int i = random.nextInt(6); i > 0; i--) {
                b[random.nextInt(b.length)] ^= (byte) (1 << random.nextInt(8));
            }
        }
        return b;
    }

    /** The WHATWG UTF-8 decoder (replacement mode), re-encoded: the model of the framer's output. */
    static byte[] decode(byte[] in) {
        StringBuilder out = new StringBuilder();
        int needed = 0;
        int seen = 0;
        int cp = 0;
        int lower = 0x80;
        int upper = 0xBF;
        for (int i = 0; i < in.length; i++) {
            int b = in[i] & 0xFF;
            if (needed == 0) {
                if (b <= 0x7F) {
                    out.append((char) b);
                } else if (b >= 0xC2 && b <= 0xDF) {
                    needed = 1;
                    cp = b & 0x1F;
                } else if (b >= 0xE0 && b <= 0xEF) {
                    lower = b == 0xE0 ? 0xA0 : 0x80;
                    upper = b == 0xED ? 0x9F : 0xBF;
                    needed = 2;
                    cp = b & 0x0F;
                } else if (b >= 0xF0 && b <= 0xF4) {
                    lower = b == 0xF0 ? 0x90 : 0x80;
                    upper = b == 0xF4 ? 0x8F : 0xBF;
                    needed = 3;
                    cp = b & 0x07;
                } else {
                    out.append('\uFFFD');
                }
                continue;
            }
            if (b < lower || b > upper) {
                needed = 0;
                seen = 0;
                lower = 0x80;
                upper = 0xBF;
                out.append('\uFFFD');
                i--; // the byte starts over
                continue;
            }
            lower = 0x80;
            upper = 0xBF;
            cp = (cp << 6) | (b & 0x3F);
            if (++seen == needed) {
                out.appendCodePoint(cp);
                needed = 0;
                seen = 0;
            }
        }
        if (needed != 0) {
            out.append('\uFFFD');
        }
        return out.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static void assertStrictUtf8(byte[] frame) {
        try {
            StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(frame));
        } catch (CharacterCodingException e) {
            fail("a frame that is not valid UTF-8: " + HEX.formatHex(frame));
        }
    }

    private static byte[] concat(List<byte[]> parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        parts.forEach(out::writeBytes);
        return out.toByteArray();
    }
}
