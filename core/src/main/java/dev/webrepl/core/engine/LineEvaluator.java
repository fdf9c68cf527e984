package dev.webrepl.core.engine;

/** An engine without a terminal of its own: it gets whole lines from a {@link dev.webrepl.core.terminal.LineDiscipline}. */
public interface LineEvaluator extends AutoCloseable {
    /** The prompt written after each evaluation, e.g. {@code ">>> "}. */
    String prompt();

    /** Evaluates one line (without its line ending) and writes any result to {@code output}. */
    void evaluate(String line, TerminalOutput output);

    @Override
    default void close() {
    }
}
