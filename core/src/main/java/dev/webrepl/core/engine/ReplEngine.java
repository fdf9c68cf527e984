package dev.webrepl.core.engine;

/**
 * One REPL per session (DESIGN "Engines"). The session starts it once with its context; the engine
 * pulls terminal input from {@link EngineContext#input()} only as fast as it can take it, writes
 * output through {@link EngineContext#output()} (never blocked by a slow client), and reports its
 * end with {@link EngineContext#exited(int)} or {@link EngineContext#failed(Throwable)}.
 */
public interface ReplEngine extends AutoCloseable {
    /** What kind of engine this is (echo, jshell, process), shown in session lists and metric tags. */
    default String kind() {
        return getClass().getSimpleName().toLowerCase(java.util.Locale.ROOT);
    }

    /**
     * Whether this engine tells its session, with {@link EngineContext#ready()}, when it can take input.
     * Until then (within a bound) the session holds every terminal's input and Ctrl-C, and delivers
     * them in order afterwards: a board's REPL is running when a client connects, so clients send
     * Ctrl-C at once (Thonny does), which would kill a program that has not yet set up its terminal
     * (issue 16). Engines that can take input as soon as {@link #start} returns answer false.
     */
    default boolean reportsReady() {
        return false;
    }

    /** Starts the engine. An exception here is an engine failure at start: the session ends. */
    void start(EngineContext context) throws Exception;

    /**
     * Ctrl-C, out of band: called as soon as the interrupt arrives, while earlier input may still be
     * queued (the session discards that input). Engines cancel the line or stop the running code.
     * Called on an I/O thread: it must return at once (signal, don't wait).
     */
    void interrupt();

    /**
     * The terminal is now {@code columns} x {@code rows} (the last terminal to say so wins). Called on
     * a worker thread; engines without a terminal of their own may ignore it.
     */
    default void resize(int columns, int rows) {
    }

    /** Whether the engine is hibernated ({@link LineEvaluator#hibernated()}); read for session lists and metrics. */
    default boolean hibernated() {
        return false;
    }

    /** Stops the engine and releases what it holds. Idempotent. */
    @Override
    void close();
}
