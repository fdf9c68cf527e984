package dev.webrepl.loadtest.generator;

import java.util.List;
import java.util.Locale;

/**
 * What runs behind the target's sessions, so the generator knows what to type and which prompt ends
 * an answer. Every engine echoes each key: the echo engine and jshell through the server's line
 * discipline, a program in a pty through the pty's echo.
 */
public enum EngineHint {
    /** The echo engine: a typed line comes back after Enter. */
    ECHO("", List.of(">>> "), false) {
        @Override
        Flood flood(long bytes) {
            // Lines of at most 1000 characters: the line discipline's time per line grows faster than
            // its length (about 0.8 ms for 1000 characters, 9 ms for 4000 on the 2-core machine).
            int lines = (int) Math.min(MAX_ECHO_LINES, (bytes + ECHO_LINE - 1) / ECHO_LINE);
            long perLine = Math.max(1, Math.min(ECHO_LINE, bytes / lines));
            return new Flood(("x".repeat((int) perLine) + "\r").repeat(lines), lines);
        }
    },
    /**
     * JShell: typed lines are comments, so nothing is evaluated; an idle session first declares one
     * variable, so it has a JShell (and state) to hibernate (README "Hibernation").
     */
    JSHELL("// ", List.of("jshell> "), true) {
        @Override
        String setup() {
            return "int benchState = 1\r";
        }


        @Override
        Flood flood(long bytes) {
            return new Flood("System.out.print(\"x\".repeat(" + bytes + "))\r", 1);
        }
    },
    /** A program in a pty: Python, a shell or node; typed lines are comments ({@code #}). */
    PROCESS("# ", List.of(">>> ", "$ ", "# ", "> "), true) {
        @Override
        Flood flood(long bytes) {
            return new Flood("print('x' * " + bytes + ")\r", 1);
        }
    },
    /**
     * The load-test engine of {@code serve --engine flood} ({@link dev.webrepl.loadtest.FloodEngine}): a
     * typed byte count is answered with that many bytes; any other line with a short notice.
     */
    FLOOD("", List.of(dev.webrepl.loadtest.FloodEngine.PROMPT), false) {
        @Override
        Flood flood(long bytes) {
            return new Flood(bytes + "\r", 1);
        }
    };

    static final int ECHO_LINE = 1000;
    /** The echo engine's input queue is 64 KiB by default; one command stays below it. */
    static final int MAX_ECHO_LINES = 60;

    /** What a flood sends at once, and how many prompts end its answer. */
    record Flood(String input, int prompts) {
    }

    private final String linePrefix;
    private final List<String> prompts;
    private final boolean promptAtStart;

    EngineHint(String linePrefix, List<String> prompts, boolean promptAtStart) {
        this.linePrefix = linePrefix;
        this.prompts = prompts;
        this.promptAtStart = promptAtStart;
    }

    /** Whether the engine shows its prompt when a session starts (jshell, programs), before any input. */
    boolean promptAtStart() {
        return promptAtStart;
    }

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static EngineHint of(String id) {
        return valueOf(id.trim().toUpperCase(Locale.ROOT));
    }

    /** Typed at the start of each line so the engine treats the line as harmless. */
    String linePrefix() {
        return linePrefix;
    }

    /** Whether {@code text} ends with one of this engine's prompts: the answer to a line is complete. */
    boolean endsWithPrompt(CharSequence text) {
        for (String p : prompts) {
            int n = p.length();
            if (text.length() >= n && text.subSequence(text.length() - n, text.length()).toString().equals(p)) {
                return true;
            }
        }
        return false;
    }

    /** What an idle session types once when it is ready, then waits for the prompt; empty for nothing. */
    String setup() {
        return "";
    }

    /** The line the server writes when a hibernated JShell session is restored (README "Hibernation"). */
    static final String RESTORED = "|  Restored after hibernation:";

    /** Input that makes the engine write about {@code bytes} bytes of output (more, with the echo). */
    abstract Flood flood(long bytes);

    /** How many of the main prompt end in {@code text} after index {@code after}. */
    int promptsEndingAfter(String text, int after) {
        String p = prompts.get(0);
        int n = 0;
        for (int at = text.indexOf(p); at >= 0; at = text.indexOf(p, at + 1)) {
            if (at + p.length() > after) {
                n++;
            }
        }
        return n;
    }
}
