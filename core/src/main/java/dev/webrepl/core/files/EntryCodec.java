package dev.webrepl.core.files;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The binary form of {@link DirectoryEntry} in STAT and LIST replies (PROTOCOL.md §4):
 * kind (1 byte), size (u64), mtime millis (i64), name length (u16), name (UTF-8); little-endian.
 * The server encodes, clients decode.
 */
public final class EntryCodec {
    /** Bytes before the name: kind, size, mtime, name length. */
    public static final int FIXED_BYTES = 1 + 8 + 8 + 2;

    private EntryCodec() {
    }

    /** One entry's bytes. */
    public static byte[] encode(DirectoryEntry entry) {
        byte[] name = entry.name().getBytes(StandardCharsets.UTF_8);
        if (name.length > 0xFFFF) {
            throw new IllegalArgumentException("entry name of " + name.length + " bytes does not fit a u16");
        }
        return ByteBuffer.allocate(FIXED_BYTES + name.length).order(ByteOrder.LITTLE_ENDIAN)
                .put(entry.kind().code()).putLong(entry.size()).putLong(entry.mtimeMillis())
                .putShort((short) name.length).put(name).array();
    }

    /** The entries' bytes, concatenated in order (a LIST reply's stream). */
    public static byte[] encodeAll(List<DirectoryEntry> entries) {
        List<byte[]> parts = new ArrayList<>(entries.size());
        int total = 0;
        for (DirectoryEntry e : entries) {
            byte[] b = encode(e);
            parts.add(b);
            total += b.length;
        }
        ByteBuffer out = ByteBuffer.allocate(total);
        parts.forEach(out::put);
        return out.array();
    }

    /**
     * Every entry in {@code bytes} (a STAT frame, or the reassembled chunks of a LIST).
     *
     * @throws IllegalArgumentException if the bytes end inside an entry
     */
    public static List<DirectoryEntry> decodeAll(byte[] bytes) {
        ByteBuffer in = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        List<DirectoryEntry> entries = new ArrayList<>();
        try {
            while (in.hasRemaining()) {
                DirectoryEntry.Kind kind = DirectoryEntry.Kind.ofCode(Byte.toUnsignedInt(in.get()));
                long size = in.getLong();
                long mtime = in.getLong();
                byte[] name = new byte[Short.toUnsignedInt(in.getShort())];
                in.get(name);
                if (size < 0) {
                    throw new IllegalArgumentException("entry size past 2^63 at byte " + in.position());
                }
                entries.add(new DirectoryEntry(kind, size, mtime, new String(name, StandardCharsets.UTF_8)));
            }
        } catch (BufferUnderflowException e) {
            throw new IllegalArgumentException("entry truncated: " + bytes.length + " bytes end inside an entry", e);
        }
        return entries;
    }
}
