package dev.webrepl.engines.echo;

import dev.webrepl.core.engine.LineEvaluator;
import dev.webrepl.core.engine.ReplEngine;
import dev.webrepl.core.engine.TerminalOutput;
import dev.webrepl.core.terminal.LineDiscipline;
import java.nio.charset.StandardCharsets;

/**
 * The echo engine: writes every non-empty line back, then the prompt {@code >>> }. It costs next to
 * nothing, so load tests measure the server rather than a REPL. It stands in for a board in the
 * conformance tests, so it writes no prompt at start: its first screen is the reference's login bytes
 * (ending in {@code >>> }) and the session line.
 */
public final class EchoEvaluator implements LineEvaluator {
    public static final String PROMPT = ">>> ";

    /** An echo engine behind the core line discipline. */
    public static ReplEngine engine() {
        // Echoing never takes long, so it runs on the thread that delivers the input: no thread of its
        // own per session, which is what lets one server hold 10k idle echo sessions (BENCHMARKS.md).
        return new LineDiscipline(new EchoEvaluator(), Runnable::run);
    }

    @Override
    public String kind() {
        return "echo";
    }

    @Override
    public String prompt() {
        return PROMPT;
    }

    @Override
    public boolean promptAtStart() {
        return false;
    }

    @Override
    public void evaluate(String line, TerminalOutput output) {
        if (!line.isEmpty()) {
            output.write((line + "\r\n").getBytes(StandardCharsets.UTF_8));
        }
    }
}
