package dev.webrepl.core.engine;

/**
 * Where an engine writes its terminal output. A write completes at once and never blocks the engine:
 * the bytes are queued for each terminal (DESIGN "Output, buffering and the POSIX send() rule").
 */
@FunctionalInterface
public interface TerminalOutput {
    void write(byte[] bytes);
}
