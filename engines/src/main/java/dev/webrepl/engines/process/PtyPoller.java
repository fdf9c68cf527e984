package dev.webrepl.engines.process;

import java.nio.ByteBuffer;

/**
 * Where a {@link PtyChannel} is served: a thread that watches its descriptors (epoll, level-triggered)
 * and runs its work, and a task pool for what may block. Either a {@link PtyLoop} (its own thread) or
 * an {@link IoLoopPoller} (the event loop of the connection that opened the session, issue #19; its
 * tasks on a PtyLoop's pool).
 */
abstract class PtyPoller {
    /** Whether the calling thread is the one that serves the channels. */
    abstract boolean inLoop();

    /** Whether it stopped serving (closed): channels then release their descriptors themselves. */
    abstract boolean terminated();

    /** Runs {@code task} on the task pool (it may block); false (and nothing) once closed. */
    abstract boolean execute(Runnable task);

    /** Runs {@code task} on the task pool after {@code millis}; false (and nothing) once closed. */
    abstract boolean later(Runnable task, long millis);

    /** Asks for {@code channel}'s {@link PtyChannel#service()} on the loop thread soon. */
    abstract void schedule(PtyChannel channel);

    /** Loop thread: gives {@code channel} a slot; its tokens are slot * 4 + kind. */
    abstract int attach(PtyChannel channel);

    /** Loop thread: frees the slot of a channel that removed its descriptors from the set. */
    abstract void detach(int slot);

    /** Loop thread: EPOLL_CTL_ADD or EPOLL_CTL_DEL of {@code fd}; 0, or -1 on failure. */
    abstract int control(int op, int fd, int interest, long token);

    /** Loop thread: the read buffer (valid until the next read) and where it is. */
    abstract ByteBuffer readBuffer();

    abstract long readAddress();
}
