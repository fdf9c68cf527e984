package dev.webrepl.core.engine;

/**
 * Where terminal output goes. A write completes at once and never blocks the writer: the bytes are
 * queued for each terminal (DESIGN "Output, buffering and the POSIX send() rule").
 */
@FunctionalInterface
public interface TerminalOutput {
    void write(byte[] bytes);
}
