package dev.webrepl.core.terminal;

import java.util.ArrayList;
import java.util.List;

/**
 * A session's entered lines, oldest first, at most {@code capacity} of them: empty lines and a repeat
 * of the newest entry are not stored. Entries are code point arrays, copied in and out.
 */
final class History {
    private final int capacity;
    private final List<int[]> entries = new ArrayList<>();

    History(int capacity) {
        if (capacity < 0) {
            throw new IllegalArgumentException("capacity < 0: " + capacity);
        }
        this.capacity = capacity;
    }

    void add(int[] line) {
        if (line.length == 0 || capacity == 0
                || !entries.isEmpty() && java.util.Arrays.equals(entries.get(entries.size() - 1), line)) {
            return;
        }
        if (entries.size() == capacity) {
            entries.remove(0);
        }
        entries.add(line.clone());
    }

    int size() {
        return entries.size();
    }

    int[] get(int index) {
        return entries.get(index).clone();
    }
}
