package dev.webrepl.transport.conformance;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/** Client-side bytes of the file channel (spec §4), built independently of the server's own codec. */
public final class FileProtocol {
    static final int PUT = 1;
    static final int GET = 2;
    static final int GET_VER = 3;
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
    static byte[] pattern(int n) {
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
