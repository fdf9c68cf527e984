package dev.webrepl.core.files;

/**
 * One name as STAT and LIST describe it (PROTOCOL.md §4); links are described as themselves.
 *
 * @param kind       what the name is
 * @param size       bytes (0 for directories)
 * @param mtimeMillis modification time, milliseconds since the epoch
 * @param name       the last path component ({@code /} for the root)
 */
public record DirectoryEntry(Kind kind, long size, long mtimeMillis, String name) {
    /** The entry's kind and its one-byte code on the wire. */
    public enum Kind {
        FILE('f'), DIRECTORY('d'), LINK('l'), OTHER('o');

        private final byte code;

        Kind(char code) {
            this.code = (byte) code;
        }

        /** The byte sent on the wire. */
        public byte code() {
            return code;
        }

        /** The kind for a received code; a code this version does not know is {@link #OTHER}. */
        public static Kind ofCode(int code) {
            for (Kind k : values()) {
                if (k.code == code) {
                    return k;
                }
            }
            return OTHER;
        }
    }

    public DirectoryEntry {
        if (kind == null || name == null) {
            throw new IllegalArgumentException("kind and name are required");
        }
        if (size < 0) {
            throw new IllegalArgumentException("negative size " + size);
        }
    }
}
