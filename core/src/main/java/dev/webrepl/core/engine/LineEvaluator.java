package dev.webrepl.core.engine;

import java.util.List;

/**
 * An engine without a terminal of its own: it gets whole inputs from a
 * {@link dev.webrepl.core.terminal.LineDiscipline}, which does echo, editing, history and prompts.
 */
public interface LineEvaluator extends AutoCloseable {
    /** What kind of engine this is (echo, jshell), shown in session lists and metric tags. */
    default String kind() {
        return getClass().getSimpleName().toLowerCase(java.util.Locale.ROOT);
    }

    /**
     * The session this evaluator serves has started: its context (the file root, the session id),
     * given before the first prompt, for evaluators that use it (jshell's {@code /save} and {@code /open}).
     */
    default void start(EngineContext context) {
    }

    /** The prompt written before each new input, e.g. {@code ">>> "} or {@code "jshell> "}. */
    String prompt();

    /**
     * Whether a session shows this prompt at once when it starts, after the login banner and the
     * session line (issue 16 point 7). False for an engine that stands in for a board in conformance
     * and load tests, whose first screen stays the reference's bytes (ending in {@code >>> }).
     */
    default boolean promptAtStart() {
        return true;
    }

    /** The prompt for a continuation line of an incomplete input, e.g. {@code "   ...> "}. */
    default String continuationPrompt() {
        return prompt();
    }

    /**
     * Whether {@code input} (the lines entered so far, joined with {@code \n}) is complete and can be
     * evaluated; if not, the line discipline asks for a continuation line.
     */
    default boolean isComplete(String input) {
        return true;
    }

    /**
     * Evaluates one complete input (without its final line ending) and writes any result to
     * {@code output}. May take long; {@link #interrupt()} may be called meanwhile from another thread.
     */
    void evaluate(String input, TerminalOutput output);

    /** Ctrl-C while {@link #evaluate} runs: stop it (must return at once). */
    default void interrupt() {
    }

    /**
     * Tab completion: candidates for {@code input} with the cursor at {@code cursor}; each replaces the
     * text from {@link Completion#anchor()} to the cursor.
     */
    default Completion complete(String input, int cursor) {
        return new Completion(cursor, List.of());
    }

    /** Completion candidates and where they start in the input. */
    record Completion(int anchor, List<String> candidates) {
        public Completion {
            candidates = List.copyOf(candidates);
        }
    }

    /**
     * Keys arrived (any, before Enter): for an evaluator that counts idle time from the last input
     * (JShell's hibernation). Called on the line discipline's thread once per chunk; must be quick.
     */
    default void typed() {
    }

    /**
     * Whether the evaluator has released its state to wait for input (JShell's hibernation, README
     * "Hibernation"): shown in session lists; the next input restores it.
     */
    default boolean hibernated() {
        return false;
    }

    /** True once the evaluator wants the session to end (e.g. after {@code /exit}); checked after each input. */
    default boolean finished() {
        return false;
    }

    @Override
    default void close() {
    }
}
