package dev.webrepl.engines.jshell;

import java.util.ArrayList;
import java.util.List;
import jdk.jshell.JShell;
import jdk.jshell.Snippet;
import jdk.jshell.SnippetEvent;

/**
 * What a hibernated JShell session keeps of its state: the source of each accepted input, in order,
 * with the number its first snippet got, so a restore can evaluate them again (README "Hibernation").
 *
 * <p>An input is accepted when JShell created its snippets and none was rejected or threw (an
 * interrupted endless loop is not replayed). At hibernation an input is kept if one of its snippets
 * is still active, or is a variable declared again since: later snippets may have used its earlier
 * value ({@code int x = 1; int y = x + 1; int x = 2;} restores {@code y} as 2). Dropped inputs, and
 * methods, types and imports declared again, are not kept.
 *
 * <p>Bounded by {@link #MAX_CHARS} characters of source: past it, inputs no longer active are forgotten,
 * and if that is not enough the session cannot hibernate until {@code /reset} ({@link #overflowed()}).
 * Not thread-safe: the evaluator calls it under its lock.
 */
final class SnippetHistory {
    /** Characters of source a session keeps for hibernation: 128 Ki (a few thousand lines). */
    static final int MAX_CHARS = 128 * 1024;

    /** One input as kept for a restore: its first snippet's number and its source. */
    record Entry(int number, String source) {
    }

    /** What a hibernated session keeps: the inputs to replay, in order, and the next snippet's number. */
    record Snapshot(List<Entry> entries, int nextNumber) {
        Snapshot {
            entries = List.copyOf(entries);
        }
    }

    private record Live(Entry entry, List<Snippet> snippets) {
    }

    private final int maxChars;
    private final List<Live> inputs = new ArrayList<>();
    private int chars;
    private boolean overflowed;

    SnippetHistory() {
        this(MAX_CHARS);
    }

    SnippetHistory(int maxChars) {
        this.maxChars = maxChars;
    }

    /** Records {@code source} if its evaluation ({@code events}) was accepted; returns whether it was. */
    boolean evaluated(JShell jshell, String source, List<SnippetEvent> events) {
        List<Snippet> created = new ArrayList<>();
        for (SnippetEvent event : events) {
            if (event.causeSnippet() != null) {
                continue; // an update of another snippet (overwritten, recompiled)
            }
            if (!event.status().isActive() || event.exception() != null
                    || JShellInstance.startUp(event.snippet())) {
                return false;
            }
            created.add(event.snippet());
        }
        if (created.isEmpty()) {
            return false;
        }
        if (overflowed) {
            return true;
        }
        int number = Integer.parseInt(created.get(0).id());
        inputs.add(new Live(new Entry(number, source), List.copyOf(created)));
        chars += source.length();
        if (chars > maxChars) {
            inputs.removeIf(live -> !kept(jshell, live));
            chars = inputs.stream().mapToInt(live -> live.entry().source().length()).sum();
            if (chars > maxChars) {
                overflowed = true;
                inputs.clear();
                chars = 0;
            }
        }
        return true;
    }

    /** True once more source was accepted than a hibernation keeps: the session stays live until {@code /reset}. */
    boolean overflowed() {
        return overflowed;
    }

    /** {@code /reset}, or a state engine that ended: nothing to restore. */
    void clear() {
        inputs.clear();
        chars = 0;
        overflowed = false;
    }

    /** The inputs a restore replays, read from {@code jshell} before it is closed. */
    Snapshot snapshot(JShell jshell, int nextNumber) {
        List<Entry> entries = new ArrayList<>();
        for (Live live : inputs) {
            if (kept(jshell, live)) {
                entries.add(live.entry());
            }
        }
        return new Snapshot(entries, nextNumber);
    }

    private static boolean kept(JShell jshell, Live live) {
        for (Snippet snippet : live.snippets()) {
            Snippet.Status status = jshell.status(snippet);
            if (status.isActive()
                    || status == Snippet.Status.OVERWRITTEN && snippet.kind() == Snippet.Kind.VAR) {
                return true;
            }
        }
        return false;
    }

    /** How many inputs are kept now (for tests). */
    int size() {
        return inputs.size();
    }
}
