package dev.webrepl.core.engine;

import dev.webrepl.core.users.User;
import java.nio.file.Path;
import reactor.core.publisher.Flux;

/** What a session gives its engine. */
public interface EngineContext {
    /** The session's id (for logs). */
    String sessionId();

    /**
     * Where the session's files are: its owner's root with a users file (README "Users"), else the
     * server's file root. Engines that run programs start them here; it is the one place they write.
     */
    default Path workingDirectory() {
        return Path.of("").toAbsolutePath();
    }

    /** The user who owns the session ({@link User#SHARED} without a users file): for logs, recordings, sandboxes. */
    default User user() {
        return User.SHARED;
    }

    /** The terminal's size now: the last size a read-write terminal reported, else {@link TerminalSize#DEFAULT}. */
    default TerminalSize terminalSize() {
        return TerminalSize.DEFAULT;
    }

    /** Where the engine's events are reported (metrics). */
    default EngineRecorder recorder() {
        return EngineRecorder.NONE;
    }

    /**
     * The merged terminal input of every read-write terminal, in arrival order. Subscribe once and
     * request only what can be taken: the session reads no more from the sockets than is requested
     * plus a bounded queue (DESIGN "Data flow"). Chunks may be delivered on a connection's I/O thread
     * (the one that read them, issue #19): {@code onNext} must not block; hand slow work elsewhere.
     */
    Flux<byte[]> input();

    /** Where output goes: every write completes at once into per-terminal buffers. */
    EngineOutput output();

    /** A producer that can stop producing (a pty reader) registers here to be paused under pressure. */
    void pausable(Pausable producer);

    /**
     * The engine can take input now (for engines that {@link ReplEngine#reportsReady() report it}):
     * held input and a held Ctrl-C are delivered. Idempotent; may be called from any thread.
     */
    default void ready() {
    }

    /** The engine ended normally with {@code status}; the session ends (close code 1000). */
    void exited(int status);

    /** The engine failed and cannot go on; the session ends (close code 1011). */
    void failed(Throwable error);

    /**
     * The engine was stopped at a limit of its sandbox; the session ends with {@code reason} shown in
     * its terminals as {@code session ended: REASON} (e.g. {@code memory limit 512 MiB reached}).
     */
    default void limitReached(String reason) {
        failed(new java.io.IOException(reason));
    }
}
