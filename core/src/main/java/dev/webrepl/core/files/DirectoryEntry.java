package dev.webrepl.core.files;

/**
 * One entry of a STAT or LIST reply (PROTOCOL.md §4). Minimal stub for the client branch; the
 * files-server branch owns the real one.
 *
 * @param kind        what the entry is (links are described as themselves)
 * @param size        bytes; 0 for directories
 * @param mtimeMillis modification time, milliseconds since the epoch
 * @param name        the last path component, UTF-8 on the wire
 */
public record DirectoryEntry(Kind kind, long size, long mtimeMillis, String name) {
    /** The kind byte of an entry. */
    public enum Kind {
        FILE('f'), DIRECTORY('d'), LINK('l'), OTHER('o');

        private final char code;

        Kind(char code) {
            this.code = code;
        }

        public char code() {
            return code;
        }

        public static Kind ofCode(int code) {
            for (Kind k : values()) {
                if (k.code == code) {
                    return k;
                }
            }
            throw new IllegalArgumentException(String.format("unknown entry kind 0x%02x", code));
        }
    }
}
