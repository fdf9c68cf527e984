package dev.webrepl.core.engine;

/**
 * Where terminal output goes. A write completes at once and never blocks the writer: the bytes are
 * queued for each terminal (DESIGN "Output, buffering and the POSIX send() rule").
 */
@FunctionalInterface
public interface TerminalOutput {
    /**
     * Queues {@code bytes}, which belong to the output from now on: the writer must not change the array
     * afterwards (it may go to the terminals as it is, uncopied; BENCHMARKS.md "Input flood").
     */
    void write(byte[] bytes);
}
