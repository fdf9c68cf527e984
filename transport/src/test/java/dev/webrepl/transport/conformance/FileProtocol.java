package dev.webrepl.transport.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** Client-side bytes of the file channel (spec §4), built independently of the server's own codec. */
public final class FileProtocol {
    static final int PUT = 1;
    static final int GET = 2;
    static final int GET_VER = 3;
    /** Extension types and flags of PROTOCOL.md §1, written out here rather than taken from the server's codec. */
    static final int FEATURES = 0x41;
    static final int STAT = 0x42;
    static final int LIST = 0x43;
    static final int DELETE = 0x44;
    static final int MKDIR = 0x45;
    static final int RENAME = 0x46;
    static final int SESSIONS = 0x49;
    static final int LONG_NAME = 0x01;
    static final int RESUMABLE = 0x02;
    /** {@code WB 00 00}. */
    static final byte[] OK = status(0);
    /** A GET ack as webrepl_cli sends it: {@code 82 01 00}. */
    static final byte[] ACK = RawWebSocket.frame(0x82, new byte[] {0});

    private FileProtocol() {
    }

    /**
     * The 82-byte request record {@code <2sBBQLH64s}: "WA", type, flags 0, offset 0, size, the name
     * length as sent, and the name field (NUL-padded; a 64-byte name fills it with no NUL).
     */
    static byte[] header(int type, long size, byte[] name) {
        if (name.length > 64) {
            throw new IllegalArgumentException("name field is 64 bytes");
        }
        ByteBuffer b = ByteBuffer.allocate(82).order(ByteOrder.LITTLE_ENDIAN);
        b.put((byte) 'W').put((byte) 'A').put((byte) type).put((byte) 0).putLong(0)
                .putInt((int) size).putShort((short) name.length).put(name);
        return b.array();
    }

    static byte[] header(int type, long size, String name) {
        return header(type, size, name.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * The full 82-byte record with every field given: {@code nameField} (at most 64 bytes) is
     * NUL-padded into the 64-byte field (PROTOCOL.md §1).
     */
    static byte[] record(int type, int flags, long offset, long size, int nameLength, byte[] nameField) {
        ByteBuffer b = ByteBuffer.allocate(82).order(ByteOrder.LITTLE_ENDIAN);
        b.put((byte) 'W').put((byte) 'A').put((byte) type).put((byte) flags).putLong(offset)
                .putInt((int) size).putShort((short) nameLength).put(Arrays.copyOf(nameField, 64));
        return b.array();
    }

    /**
     * A request for {@code name} as PROTOCOL.md §2 says a client sends it: in the field when its UTF-8
     * is at most 63 bytes, else with LONG_NAME and the name after the record (returned concatenated).
     */
    static byte[] named(int type, int flags, long offset, long size, String name) {
        byte[] utf8 = name.getBytes(StandardCharsets.UTF_8);
        if (utf8.length <= 63) {
            return record(type, flags, offset, size, utf8.length, utf8);
        }
        return RawWebSocket.concat(record(type, flags | LONG_NAME, offset, size, utf8.length, new byte[0]), utf8);
    }

    /** A RENAME: the source as {@link #named}, {@code size} = the destination's length, the destination last (§5). */
    static byte[] rename(String from, String to) {
        byte[] dest = to.getBytes(StandardCharsets.UTF_8);
        return RawWebSocket.concat(named(RENAME, 0, 0, dest.length, from), dest);
    }

    /** One directory entry as PROTOCOL.md §4 lays it out: kind, u64 size, i64 mtime ms, u16 length, name. */
    static byte[] entry(char kind, long size, long mtimeMillis, String name) {
        byte[] utf8 = name.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(19 + utf8.length).order(ByteOrder.LITTLE_ENDIAN).put((byte) kind)
                .putLong(size).putLong(mtimeMillis).putShort((short) utf8.length).put(utf8).array();
    }

    /** A u64 LE, as in the 8-byte {@code have} frame of a resumable PUT (PROTOCOL.md §6). */
    static byte[] u64(long value) {
        return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(value).array();
    }

    /**
     * After a GET's or LIST's {@code WB 00 00}: acks one chunk at a time, as webrepl_cli does (spec
     * §4.8), until the empty chunk, checks the final {@code WB 00 00}, and returns the bytes.
     */
    static byte[] readChunks(RawWebSocket c) throws IOException {
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        while (true) {
            c.send(ACK);
            byte[] chunk = c.readFrame().payload();
            int n = (chunk[0] & 0xFF) | (chunk[1] & 0xFF) << 8;
            assertEquals(2 + n, chunk.length, "a chunk is <u16 n><n bytes> in one frame");
            if (n == 0) {
                c.expectBinary(OK);
                return got.toByteArray();
            }
            got.write(chunk, 2, n);
        }
    }

    /** A PUT header for {@code name} and {@code size}, as one unmasked binary frame. */
    public static byte[] putFrame(String name, long size) {
        return RawWebSocket.frame(0x82, header(PUT, size, name));
    }

    /** A GET header for {@code name}, as one unmasked binary frame. */
    public static byte[] getFrame(String name) {
        return RawWebSocket.frame(0x82, header(GET, 0, name));
    }

    /** GET_VER as webrepl_cli sends it: {@code 82 52 57 41 03 00} + 78 zero bytes. */
    static byte[] getVerFrame() {
        return RawWebSocket.frame(0x82, header(GET_VER, 0, new byte[0]));
    }

    /** The payload of a {@code WB} status reply: "WB" + u16 LE. */
    public static byte[] status(int code) {
        return new byte[] {'W', 'B', (byte) code, (byte) (code >>> 8)};
    }

    /** {@code n} bytes of the transcripts' pattern: byte i is (3 + 7i) mod 256 (stock-poll-09). */
    public static byte[] pattern(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (3 + 7 * i);
        }
        return b;
    }

    /** A GET chunk payload: u16 LE length, then the bytes. */
    static byte[] chunk(byte[] data, int off, int len) {
        byte[] c = new byte[2 + len];
        c[0] = (byte) len;
        c[1] = (byte) (len >>> 8);
        System.arraycopy(data, off, c, 2, len);
        return c;
    }
}
