package dev.webrepl.transport.client;

import dev.webrepl.core.files.DirectoryEntry;
import dev.webrepl.core.files.EntryCodec;
import java.util.List;

/** Decoding the entries of STAT and LIST replies (PROTOCOL.md §4) with the core's codec. */
final class Entries {
    private Entries() {
    }

    /**
     * Every entry in {@code bytes}.
     *
     * @throws IllegalStateException if the bytes are not a sequence of whole entries
     */
    static List<DirectoryEntry> decode(byte[] bytes) {
        try {
            return EntryCodec.decodeAll(bytes);
        } catch (RuntimeException e) {
            throw new IllegalStateException("malformed directory entries: " + e.getMessage(), e);
        }
    }
}
