package dev.webrepl.core.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class FileRequestTest {
    /** The two frames of webrepl_cli's PUT header, from reference-transcripts/stock-poll-08 (payloads only). */
    private static final String CLI_PUT_HEADER_HEX = "57410100000000000000"
            + "0000b80b00000b002f7261777075742e62696e"
            + "00".repeat(64 - 11);

    @Test
    void encodesThePutOfTheReferenceTranscriptByteForByte() {
        byte[] encoded = FileRequest.of(FileRequest.PUT_FILE, 3000, "/rawput.bin").encode();

        assertEquals(82, encoded.length);
        assertArrayEquals(HexFormat.of().parseHex(CLI_PUT_HEADER_HEX), encoded);
    }

    @Test
    void decodesThePutOfTheReferenceTranscript() {
        FileRequest request = FileRequest.decode(HexFormat.of().parseHex(CLI_PUT_HEADER_HEX), 0);

        assertEquals(FileRequest.PUT_FILE, request.type());
        assertEquals(0, request.flags());
        assertEquals(0, request.offset());
        assertEquals(3000, request.size());
        assertEquals(11, request.nameLength());
        assertEquals(11, request.terminatedNameLength());
        assertArrayEquals(Arrays.copyOf("/rawput.bin".getBytes(), 64), request.name());
    }

    @Test
    void decodeOfEncodeIsTheSameRequestForEveryField() {
        byte[] name = new byte[64];
        Arrays.fill(name, (byte) 'n');
        FileRequest original = new FileRequest(0xFE, 0x81, 0x0102030405060708L, 0xFFFF_FFFEL, 0xABCD, name);

        FileRequest decoded = FileRequest.decode(original.encode(), 0);

        assertEquals(original, decoded);
        assertEquals(0xFE, decoded.type());
        assertEquals(0x81, decoded.flags());
        assertEquals(0x0102030405060708L, decoded.offset());
        assertEquals(0xFFFF_FFFEL, decoded.size());
        assertEquals(0xABCD, decoded.nameLength());
        assertEquals(-1, decoded.terminatedNameLength());
    }

    @Test
    void decodesAtAnOffsetInsideALargerBuffer() {
        byte[] request = FileRequest.of(FileRequest.GET_FILE, 0, "a/b.txt").encode();
        byte[] buffer = new byte[5 + 82 + 3];
        System.arraycopy(request, 0, buffer, 5, 82);

        assertEquals(FileRequest.of(FileRequest.GET_FILE, 0, "a/b.txt"), FileRequest.decode(buffer, 5));
    }

    @Test
    void encodesGetVerAsTheCliSendsIt() {
        byte[] expected = new byte[82];
        expected[0] = 'W';
        expected[1] = 'A';
        expected[2] = 3;

        assertArrayEquals(expected, FileRequest.of(FileRequest.GET_VER, 0, "").encode());
    }

    @Test
    void ofAcceptsA63ByteUtf8Name() {
        String name = "é".repeat(31) + "x"; // 62 + 1 bytes

        FileRequest request = FileRequest.of(FileRequest.PUT_FILE, 1, name);

        assertEquals(63, request.nameLength());
        assertEquals(63, request.terminatedNameLength());
    }

    @Test
    void ofRejectsANameOver63Utf8Bytes() {
        assertThrows(IllegalArgumentException.class, () -> FileRequest.of(FileRequest.PUT_FILE, 1, "x".repeat(64)));
        // 32 characters but 64 bytes in UTF-8
        assertThrows(IllegalArgumentException.class, () -> FileRequest.of(FileRequest.PUT_FILE, 1, "é".repeat(32)));
    }

    @Test
    void rejectsANameFieldThatIsNot64Bytes() {
        assertThrows(IllegalArgumentException.class, () -> new FileRequest(1, 0, 0, 0, 0, new byte[63]));
    }

    @Test
    void nameIsCopiedInAndOut() {
        byte[] name = new byte[64];
        name[0] = 'a';
        FileRequest request = new FileRequest(1, 0, 0, 0, 1, name);
        name[0] = 'b';
        request.name()[0] = 'c';

        assertEquals('a', request.name()[0]);
    }

    @Test
    void ofRejectsASizeBeyondTheU32Field() {
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> FileRequest.of(FileRequest.PUT_FILE, 0x1_0000_0000L, "big.bin"));
        org.junit.jupiter.api.Assertions.assertEquals("size 4294967296 does not fit the header's u32 field", e.getMessage());
    }
}
