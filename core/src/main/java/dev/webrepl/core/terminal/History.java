package dev.webrepl.core.terminal;

import java.util.ArrayList;
import java.util.List;

/**
 * A session's entered lines, oldest first, at most {@code capacity} of them: empty lines and a repeat
 * of the newest entry are not stored. Entries are kept as strings (one byte a
 * character for Latin-1 text) and handed out as code point arrays.
 */
final class History {
    private final int capacity;
    private final List<String> entries = new ArrayList<>();

    History(int capacity) {
        if (capacity < 0) {
            throw new IllegalArgumentException("capacity < 0: " + capacity);
        }
        this.capacity = capacity;
    }

    void add(String line) {
        if (line.isEmpty() || capacity == 0
                || !entries.isEmpty() && entries.get(entries.size() - 1).equals(line)) {
            return;
        }
        if (entries.size() == capacity) {
            entries.remove(0);
        }
        entries.add(line);
    }

    int size() {
        return entries.size();
    }

    int[] get(int index) {
        return entries.get(index).codePoints().toArray();
    }
}
