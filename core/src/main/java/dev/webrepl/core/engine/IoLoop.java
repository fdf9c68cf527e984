package dev.webrepl.core.engine;

import java.io.IOException;

/**
 * An I/O thread that can watch file descriptors (Linux epoll, level-triggered): the event loop of the
 * connection that opened a session, offered to its engine ({@link EngineContext#ioLoop()}) so that a
 * pty's output is read and sent to that client on one thread, with no hand-over (issue #19). Nothing
 * run on it may block.
 */
public interface IoLoop {
    /** Readable (epoll's EPOLLIN). */
    int READ = 0x001;
    /** Writable (epoll's EPOLLOUT). */
    int WRITE = 0x004;

    /** Whether the calling thread is this loop's. */
    boolean inLoop();

    /**
     * Runs {@code task} on the loop soon (after what it is doing now, when called on it).
     *
     * @throws java.util.concurrent.RejectedExecutionException once the loop has shut down
     */
    void execute(Runnable task);

    /**
     * Loop thread only: watches {@code fd} for {@code ops} ({@link #READ} or {@link #WRITE}), level-triggered,
     * until {@link Watch#cancel()}; {@code ready} is called on the loop. The descriptor stays the caller's:
     * cancel before closing it.
     */
    Watch watch(int fd, int ops, Ready ready) throws IOException;

    /** What a watch reports, on the loop thread. */
    interface Ready {
        /** {@code events}: the epoll event bits. */
        void ready(int events);

        /** The loop shuts down: this watch is gone, and nothing more is reported. */
        void loopClosed();
    }

    /** A descriptor watched. */
    interface Watch {
        /** Stops watching (on the loop thread: at once). */
        void cancel();
    }
}
