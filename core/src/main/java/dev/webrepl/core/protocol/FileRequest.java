package dev.webrepl.core.protocol;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The 82-byte request record of the file channel (spec §4.1): {@code <2sBBQLH64s}, little-endian.
 *
 * <p>Extended as PROTOCOL.md §1 says: types {@code 0x40..0x49}, the flag bits, the offset of GET and
 * PUT, and names longer than the field carried after the record ({@link #named}).
 *
 * @param type       1 = PUT, 2 = GET, 3 = GET_VER, or an extension type; anything else is answered with 22
 * @param flags      0 from legacy clients; {@link #FLAG_LONG_NAME}, {@link #FLAG_RESUMABLE}
 * @param offset     ignored by the reference (the seek code is compiled out); where GET and PUT start
 * @param size       the file size for PUT; RESIZE: the size; RENAME: the destination name's length
 * @param nameLength the untruncated name length the client claims; trusted only with LONG_NAME
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
     * PROTOCOL.md §7.
     */
    public static final int RESIZE = 0x40;
    /** Extension: the feature list (PROTOCOL.md §3). */
    public static final int FEATURES = 0x41;
    /** Extension: one entry describing a name (PROTOCOL.md §4). */
    public static final int STAT = 0x42;
    /** Extension: the entries of a directory, in chunks as GET sends a file (PROTOCOL.md §4). */
    public static final int LIST = 0x43;
    /** Extension: remove a file, a link or an empty directory (PROTOCOL.md §5). */
    public static final int DELETE = 0x44;
    /** Extension: create a directory and its parents (PROTOCOL.md §5). */
    public static final int MKDIR = 0x45;
    /** Extension: atomic move within the root; the destination follows the record (PROTOCOL.md §5). */
    public static final int RENAME = 0x46;
    /** Extension: output acknowledgements on, with a window of {@code size} bytes, or off with 0 (PROTOCOL.md §9). */
    public static final int FLOW = 0x47;
    /** Extension: {@code size} text-frame payload bytes rendered since the last ACK; never answered (PROTOCOL.md §9). */
    public static final int ACK = 0x48;
    /**
     * Extension: the sessions this login may attach to, name empty; {@code WB} + 0, then a JSON array in
     * acknowledged chunks, as LIST sends its entries (PROTOCOL.md §10).
     */
    public static final int SESSIONS = 0x49;
    /**
     * Extension: shares of a session (README "Users"): {@code size} is the operation ({@code SHARE_*}),
     * the name a session id (empty: this connection's session) or, to revoke, a token (PROTOCOL.md §10).
     */
    public static final int SHARE = 0x4A;
    /** SHARE operations: list the session's shares, make a read-write or view-only one, revoke one, end the session. */
    public static final int SHARE_LIST = 0;
    public static final int SHARE_READ_WRITE = 1;
    public static final int SHARE_VIEW = 2;
    public static final int SHARE_REVOKE = 3;
    public static final int SHARE_END = 4;
    /** The largest FLOW window, 16 MiB (PROTOCOL.md §9). */
    public static final int MAX_FLOW_WINDOW = 16 * 1024 * 1024;
    /** Flags bit 0: the name follows the record, {@code nameLength} bytes (PROTOCOL.md §2). */
    public static final int FLAG_LONG_NAME = 0x01;
    /** Flags bit 1: a PUT that keeps its bytes across connections (PROTOCOL.md §6). */
    public static final int FLAG_RESUMABLE = 0x02;
    /** The longest name (and RENAME destination) carried after the record, in bytes (PROTOCOL.md §2). */
    public static final int MAX_LONG_NAME = 4096;
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

    /**
     * A request for {@code fileName} as a client sends it, in the legacy field when its UTF-8 fits
     * in 63 bytes and as a long name after the record otherwise (PROTOCOL.md §2): send
     * {@link Outgoing#bytes()}, i.e. {@code request().encode()} and then {@code trailer()}.
     *
     * @param flags  {@link #FLAG_RESUMABLE} or 0; {@link #FLAG_LONG_NAME} is set when needed (or forced if given)
     * @param offset where a GET or PUT starts, 0 otherwise
     * @param size   the PUT size, 0 otherwise
     */
    public static Outgoing named(int type, int flags, long offset, long size, String fileName) {
        checkU32(size);
        if (offset < 0) {
            throw new IllegalArgumentException("offset " + offset + " is negative");
        }
        byte[] utf8 = checkedName(fileName, "file name");
        if (utf8.length <= MAX_NAME_BYTES && (flags & FLAG_LONG_NAME) == 0 && !contains(utf8, (byte) 0)) {
            return new Outgoing(new FileRequest(type, flags, offset, size, utf8.length, Arrays.copyOf(utf8, NAME_FIELD)),
                    new byte[0]);
        }
        return new Outgoing(new FileRequest(type, flags | FLAG_LONG_NAME, offset, size, utf8.length,
                new byte[NAME_FIELD]), utf8);
    }

    /** A RENAME of {@code from} to {@code to}: the destination (and a long source name) follow the record. */
    public static Outgoing rename(String from, String to) {
        byte[] destination = checkedName(to, "destination name");
        Outgoing source = named(RENAME, 0, 0, destination.length, from);
        byte[] trailer = Arrays.copyOf(source.trailer(), source.trailer().length + destination.length);
        System.arraycopy(destination, 0, trailer, source.trailer().length, destination.length);
        return new Outgoing(source.request(), trailer);
    }

    /** The FEATURES request: type {@code 0x41}, everything else zero (PROTOCOL.md §3). */
    public static FileRequest features() {
        return new FileRequest(FEATURES, 0, 0, 0, 0, new byte[NAME_FIELD]);
    }

    /** A request as it goes on the binary stream: the 82-byte record, then {@code trailer} (long name, destination). */
    public record Outgoing(FileRequest request, byte[] trailer) {
        public Outgoing {
            trailer = trailer.clone();
        }

        @Override
        public byte[] trailer() {
            return trailer.clone();
        }

        /** The record followed by the trailer, ready to send in one or more binary frames. */
        public byte[] bytes() {
            byte[] record = request.encode();
            byte[] all = Arrays.copyOf(record, record.length + trailer.length);
            System.arraycopy(trailer, 0, all, record.length, trailer.length);
            return all;
        }
    }

    /** Whether the name follows the record (PROTOCOL.md §2). */
    public boolean longName() {
        return (flags & FLAG_LONG_NAME) != 0;
    }

    /** Whether a PUT keeps its bytes across connections (PROTOCOL.md §6). */
    public boolean resumable() {
        return (flags & FLAG_RESUMABLE) != 0;
    }

    private static byte[] checkedName(String name, String what) {
        byte[] utf8 = name.getBytes(StandardCharsets.UTF_8);
        if (utf8.length == 0 || utf8.length > MAX_LONG_NAME) {
            throw new IllegalArgumentException(what + " is " + utf8.length + " bytes in UTF-8; the protocol allows 1.."
                    + MAX_LONG_NAME);
        }
        return utf8;
    }

    private static void checkU32(long size) {
        if (size < 0 || size > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException("size " + size + " does not fit the header's u32 field");
        }
    }

    private static boolean contains(byte[] bytes, byte b) {
        for (byte x : bytes) {
            if (x == b) {
                return true;
            }
        }
        return false;
    }

    /** A RESIZE request for a terminal of {@code columns} x {@code rows} (each 1..65535). */
    public static FileRequest resize(int columns, int rows) {
        if (columns < 1 || columns > 0xFFFF || rows < 1 || rows > 0xFFFF) {
            throw new IllegalArgumentException("terminal size " + columns + "x" + rows + " out of range");
        }
        return new FileRequest(RESIZE, 0, 0, ((long) rows << 16) | columns, 0, new byte[NAME_FIELD]);
    }

    /** A FLOW request: a window of {@code window} bytes (1..16 MiB), or 0 to turn acknowledgements off. */
    public static FileRequest flow(int window) {
        if (window < 0 || window > MAX_FLOW_WINDOW) {
            throw new IllegalArgumentException("flow window " + window + " is not 0.." + MAX_FLOW_WINDOW);
        }
        return new FileRequest(FLOW, 0, 0, window, 0, new byte[NAME_FIELD]);
    }

    /** An ACK of {@code bytes} rendered text-frame payload bytes (at most 2^32 - 1 per request). */
    public static FileRequest ack(long bytes) {
        checkU32(bytes);
        return new FileRequest(ACK, 0, 0, bytes, 0, new byte[NAME_FIELD]);
    }

    /** The SESSIONS request: type {@code 0x49}, everything else zero (PROTOCOL.md §10). */
    public static FileRequest sessions() {
        return new FileRequest(SESSIONS, 0, 0, 0, 0, new byte[NAME_FIELD]);
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
        return "FileRequest[type=" + type + (flags != 0 ? ", flags=" + flags : "") + (offset != 0 ? ", offset=" + offset : "")
                + ", size=" + size + ", name=" + (longName() ? "(" + nameLength + " bytes follow)" : shown) + "]";
    }
}
