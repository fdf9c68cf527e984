package dev.webrepl.core.engine;

/**
 * One REPL per session. The session starts it once, passes it the merged terminal input in order,
 * and closes it when the session ends.
 */
public interface ReplEngine extends AutoCloseable {
    /** Starts the engine; all its output goes to {@code output}. */
    void start(TerminalOutput output);

    /** Terminal input bytes, in the order the terminals sent them. */
    void input(byte[] bytes);

    /** Stops the engine and releases what it holds. Idempotent. */
    @Override
    void close();
}
