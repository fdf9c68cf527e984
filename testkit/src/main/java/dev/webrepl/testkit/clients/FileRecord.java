package dev.webrepl.testkit.clients;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The 82-byte file request every official client packs (spec §4.1, Python {@code <2sBBQLH64s}):
 * {@code WA}, type, flags 0, offset 0, size, the untruncated name length, the name cut or
 * NUL-padded to 64 bytes.
 */
final class FileRecord {
    static final int PUT = 1;
    static final int GET = 2;
    static final int GET_VER = 3;
    static final int LENGTH = 82;

    private FileRecord() {
    }

    static byte[] pack(int type, long size, byte[] name) {
        ByteBuffer b = ByteBuffer.allocate(LENGTH).order(ByteOrder.LITTLE_ENDIAN);
        b.put((byte) 'W').put((byte) 'A').put((byte) type).put((byte) 0).putLong(0).putInt((int) size)
                .putShort((short) name.length);
        // struct's "64s" silently cuts a longer name; the length field above keeps the full one (spec §4.1).
        b.put(name, 0, Math.min(name.length, 64));
        return b.array();
    }
}
