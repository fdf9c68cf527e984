package dev.webrepl.core.engine;

/**
 * An engine's terminal output. {@link #write(byte[])} never blocks and never fails because a client
 * is slow (DESIGN "Output, buffering and the POSIX send() rule"); writers that want POSIX
 * {@code send()} semantics use {@link #tryWrite(byte[])} or {@link #writeBlocking(byte[])}.
 */
public interface EngineOutput extends TerminalOutput {
    /** What a non-blocking write attempt did. */
    enum WriteResult { WRITTEN, WOULD_BLOCK }

    /**
     * Writes {@code bytes} unless every terminal is above the high-water mark, in which case nothing
     * is written and {@link WriteResult#WOULD_BLOCK} is returned (like {@code EAGAIN}).
     */
    WriteResult tryWrite(byte[] bytes);

    /** Waits until {@link #tryWrite(byte[])} would write, then writes. */
    void writeBlocking(byte[] bytes) throws InterruptedException;
}
