package dev.webrepl.core.files;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Directory entries on the wire (PROTOCOL.md §4): kind, u64 size, i64 mtime, u16 name length, name.
 * Minimal stub for the client branch; the files-server branch owns the real one.
 */
public final class EntryCodec {
    private static final int FIXED = 1 + 8 + 8 + 2;

    private EntryCodec() {
    }

    public static byte[] encode(DirectoryEntry e) {
        byte[] name = e.name().getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(FIXED + name.length).order(ByteOrder.LITTLE_ENDIAN)
                .put((byte) e.kind().code()).putLong(e.size()).putLong(e.mtimeMillis())
                .putShort((short) name.length).put(name).array();
    }

    /** Every entry in {@code bytes}, which must end exactly after the last one. */
    public static List<DirectoryEntry> decodeAll(byte[] bytes) {
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        List<DirectoryEntry> entries = new ArrayList<>();
        while (b.hasRemaining()) {
            if (b.remaining() < FIXED) {
                throw new IllegalArgumentException("truncated directory entry");
            }
            DirectoryEntry.Kind kind = DirectoryEntry.Kind.ofCode(Byte.toUnsignedInt(b.get()));
            long size = b.getLong();
            long mtime = b.getLong();
            int n = Short.toUnsignedInt(b.getShort());
            if (b.remaining() < n) {
                throw new IllegalArgumentException("truncated directory entry name");
            }
            byte[] name = new byte[n];
            b.get(name);
            entries.add(new DirectoryEntry(kind, size, mtime, new String(name, StandardCharsets.UTF_8)));
        }
        return entries;
    }
}
