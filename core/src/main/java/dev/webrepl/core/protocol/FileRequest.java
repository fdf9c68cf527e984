package dev.webrepl.core.protocol;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The 82-byte request record of the file channel (spec §4.1): {@code <2sBBQLH64s}, little-endian.
 *
 * @param type       1 = PUT, 2 = GET, 3 = GET_VER; anything else is answered with an error
 * @param flags      sent as 0 by every client, ignored
 * @param offset     ignored by the reference (the seek code is compiled out)
 * @param size       the file size for PUT
 * @param nameLength the untruncated name length the client claims; not trusted
 * @param name       the 64-byte name field as received, NUL padding included
 */
public record FileRequest(int type, int flags, long offset, long size, int nameLength, byte[] name) {
    public static final int LENGTH = 82;
    public static final int NAME_FIELD = 64;
    /** A name needs its NUL terminator inside the field, so 63 bytes is the longest (spec §4.1). */
    public static final int MAX_NAME_BYTES = NAME_FIELD - 1;
    public static final int PUT_FILE = 1;
    public static final int GET_FILE = 2;
    public static final int GET_VER = 3;
    /**
     * Extension (no legacy client sends it): the terminal's size, columns in the low 16 bits of
     * {@code size} and rows in the high 16 bits, name empty; answered with {@code WB} + status.
     * README "Protocol extensions".
     */
    public static final int RESIZE = 0x40;
    static final byte SIG_0 = 'W';
    static final byte SIG_1 = 'A';

    public FileRequest {
        if (name.length != NAME_FIELD) {
            throw new IllegalArgumentException("name field must be 64 bytes, got " + name.length);
        }
        name = name.clone();
    }

    @Override
    public byte[] name() {
        return name.clone();
    }

    /** A request for {@code fileName} (UTF-8, at most 63 bytes) as a client sends it. */
    public static FileRequest of(int type, long size, String fileName) {
        if (size < 0 || size > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException("size " + size + " does not fit the header's u32 field");
        }
        byte[] utf8 = fileName.getBytes(StandardCharsets.UTF_8);
        if (utf8.length > MAX_NAME_BYTES) {
            throw new IllegalArgumentException(
                    "file name is " + utf8.length + " bytes in UTF-8; the protocol allows " + MAX_NAME_BYTES);
        }
        return new FileRequest(type, 0, 0, size, utf8.length, Arrays.copyOf(utf8, NAME_FIELD));
    }

    /** A RESIZE request for a terminal of {@code columns} x {@code rows} (each 1..65535). */
    public static FileRequest resize(int columns, int rows) {
        if (columns < 1 || columns > 0xFFFF || rows < 1 || rows > 0xFFFF) {
            throw new IllegalArgumentException("terminal size " + columns + "x" + rows + " out of range");
        }
        return new FileRequest(RESIZE, 0, 0, ((long) rows << 16) | columns, 0, new byte[NAME_FIELD]);
    }

    /** Decodes the 82 bytes at {@code bytes[off..off+82)}; the signature is checked by the caller. */
    public static FileRequest decode(byte[] bytes, int off) {
        ByteBuffer b = ByteBuffer.wrap(bytes, off, LENGTH).order(ByteOrder.LITTLE_ENDIAN);
        b.position(off + 2);
        int type = Byte.toUnsignedInt(b.get());
        int flags = Byte.toUnsignedInt(b.get());
        long offset = b.getLong();
        long size = Integer.toUnsignedLong(b.getInt());
        int nameLength = Short.toUnsignedInt(b.getShort());
        byte[] name = new byte[NAME_FIELD];
        b.get(name);
        return new FileRequest(type, flags, offset, size, nameLength, name);
    }

    /** The 82 bytes of this request, signature {@code WA} first. */
    public byte[] encode() {
        ByteBuffer b = ByteBuffer.allocate(LENGTH).order(ByteOrder.LITTLE_ENDIAN);
        b.put(SIG_0).put(SIG_1).put((byte) type).put((byte) flags).putLong(offset)
                .putInt((int) size).putShort((short) nameLength).put(name);
        return b.array();
    }

    /** The name bytes up to the first NUL, or -1 if the field holds no NUL (a 64-byte name). */
    public int terminatedNameLength() {
        for (int i = 0; i < NAME_FIELD; i++) {
            if (name[i] == 0) {
                return i;
            }
        }
        return -1;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FileRequest r && type == r.type && flags == r.flags && offset == r.offset
                && size == r.size && nameLength == r.nameLength && Arrays.equals(name, r.name);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(name) + Long.hashCode(size) + type;
    }

    @Override
    public String toString() {
        int n = terminatedNameLength();
        String shown = new String(name, 0, n < 0 ? NAME_FIELD : n, StandardCharsets.UTF_8);
        return "FileRequest[type=" + type + ", size=" + size + ", name=" + shown + "]";
    }
}
