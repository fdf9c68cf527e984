package dev.webrepl.engines.process;

import static dev.webrepl.engines.process.LinuxCalls.EFD_CLOEXEC;
import static dev.webrepl.engines.process.LinuxCalls.EFD_NONBLOCK;
import static dev.webrepl.engines.process.LinuxCalls.EINTR;
import static dev.webrepl.engines.process.LinuxCalls.EPOLLIN;
import static dev.webrepl.engines.process.LinuxCalls.EPOLL_CLOEXEC;
import static dev.webrepl.engines.process.LinuxCalls.EPOLL_CTL_ADD;
import static dev.webrepl.engines.process.LinuxCalls.EPOLL_CTL_DEL;
import static dev.webrepl.engines.process.LinuxCalls.EPOLL_EVENT_DATA;
import static dev.webrepl.engines.process.LinuxCalls.EPOLL_EVENT_SIZE;

import com.sun.jna.Native;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One thread that serves the pty masters of many process sessions (issue #19): the masters are
 * non-blocking and watched with epoll, output is read into one buffer the loop owns and handed to
 * each session as exactly the bytes read, input is written when the pty can take it. Each session's
 * child is watched through a pidfd in the same epoll set. Besides the loop thread, a small pool runs
 * what may block or sleep (end reports, which close the session; the readiness probe's looks), at
 * most {@link #TASK_THREADS} threads, none while idle.
 *
 * <p>Whoever makes a loop closes it (the server, after its sessions): close ends the thread and
 * closes the epoll and wake-up descriptors. Linux, 64-bit.
 */
public final class PtyLoop implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PtyLoop.class);
    private static final int MAX_EVENTS = 256;
    private static final int TASK_THREADS = 4;
    /** The token of the wake-up eventfd; channel tokens are slot * 4 + kind, never negative. */
    private static final long WAKE = -1;

    private final String name;
    private final int epoll;
    private final int wake;
    private final Thread thread;
    private final ByteBuffer events = LinuxCalls.direct(MAX_EVENTS * EPOLL_EVENT_SIZE);
    private final long eventsAddress = LinuxCalls.address(events);
    private final ByteBuffer control = LinuxCalls.direct(16);
    private final long controlAddress = LinuxCalls.address(control);
    private final ByteBuffer readBuffer = LinuxCalls.direct(PtyChannel.CHUNK);
    private final long readAddress = LinuxCalls.address(readBuffer);
    /** The eventfd counter's increment: written by any thread, never changed. */
    private final ByteBuffer one = LinuxCalls.direct(8).putLong(0, 1);
    private final long oneAddress = LinuxCalls.address(one);
    private final ByteBuffer drained = LinuxCalls.direct(8);
    private final long drainedAddress = LinuxCalls.address(drained);
    /** Channels that asked for the loop's attention; each is in here at most once (its scheduled flag). */
    private final ConcurrentLinkedQueue<PtyChannel> due = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean wakePending = new AtomicBoolean();
    private final ScheduledThreadPoolExecutor tasks;
    private final AtomicInteger taskThreads = new AtomicInteger();
    private final ThreadLocal<Boolean> onTaskThread = ThreadLocal.withInitial(() -> Boolean.FALSE);
    // Loop thread only: the attached channels by slot, and the free slots.
    private final List<PtyChannel> slots = new ArrayList<>();
    private final ArrayDeque<Integer> free = new ArrayDeque<>();
    private volatile boolean closing;
    private volatile boolean terminated;
    private boolean wakeClosed; // guarded by one

    /** Starts a loop whose threads are named after {@code name}. */
    public PtyLoop(String name) throws IOException {
        this.name = name;
        int e = LinuxCalls.epoll_create1(EPOLL_CLOEXEC);
        if (e < 0) {
            throw new IOException("epoll_create1 failed: errno " + Native.getLastError());
        }
        int w = LinuxCalls.eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
        if (w < 0) {
            int errno = Native.getLastError();
            LinuxCalls.close(e);
            throw new IOException("eventfd failed: errno " + errno);
        }
        epoll = e;
        wake = w;
        if (control(EPOLL_CTL_ADD, wake, EPOLLIN, WAKE) != 0) {
            int errno = Native.getLastError();
            LinuxCalls.close(e);
            LinuxCalls.close(w);
            throw new IOException("epoll_ctl failed: errno " + errno);
        }
        tasks = new ScheduledThreadPoolExecutor(TASK_THREADS, r -> {
            Thread t = new Thread(() -> {
                onTaskThread.set(Boolean.TRUE);
                r.run();
            }, name + "-task-" + taskThreads.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        tasks.setKeepAliveTime(5, TimeUnit.SECONDS);
        tasks.allowCoreThreadTimeOut(true);
        tasks.setRemoveOnCancelPolicy(true);
        thread = new Thread(this::run, name);
        thread.setDaemon(true);
        thread.start();
    }

    /** Whether the calling thread is this loop's. */
    boolean inLoop() {
        return Thread.currentThread() == thread;
    }

    /** Whether the loop has stopped serving (closed): channels then release their descriptors themselves. */
    boolean terminated() {
        return terminated;
    }

    /** Runs {@code task} on the task pool (it may block); false (and nothing) once the loop is closed. */
    boolean execute(Runnable task) {
        return later(task, 0);
    }

    /** Runs {@code task} on the task pool after {@code millis}; false (and nothing) once the loop is closed. */
    boolean later(Runnable task, long millis) {
        try {
            tasks.schedule(task, millis, TimeUnit.MILLISECONDS);
            return true;
        } catch (RejectedExecutionException closed) {
            LOG.debug("{}: closed, a task is dropped", name);
            return false;
        }
    }

    /** Asks for {@code channel}'s {@link PtyChannel#service()} on the loop thread soon. */
    void schedule(PtyChannel channel) {
        if (channel.markScheduled()) {
            due.add(channel);
            if (!inLoop() && wakePending.compareAndSet(false, true)) {
                wakeUp();
            }
        }
    }

    /** Writes the eventfd, unless it is closed (its number may be another file's by then). */
    private void wakeUp() {
        synchronized (one) {
            if (!wakeClosed) {
                LinuxCalls.write(wake, oneAddress, 8);
            }
        }
    }

    /** Loop thread: gives {@code channel} a slot; its token is slot * 4 + kind. */
    int attach(PtyChannel channel) {
        Integer slot = free.poll();
        if (slot == null) {
            slots.add(channel);
            return slots.size() - 1;
        }
        slots.set(slot, channel);
        return slot;
    }

    /** Loop thread: frees the slot of a channel that removed its descriptors from the set. */
    void detach(int slot) {
        slots.set(slot, null);
        free.add(slot);
    }

    /** Loop thread: epoll_ctl with the loop's own event buffer; 0 or -1 (errno in Native.getLastError()). */
    int control(int op, int fd, int interest, long token) {
        control.putInt(0, interest);
        control.putLong(EPOLL_EVENT_DATA, token);
        return LinuxCalls.epoll_ctl(epoll, op, fd, op == EPOLL_CTL_DEL ? 0 : controlAddress);
    }

    /** Loop thread: the loop's read buffer (valid until the next read) and where it is. */
    ByteBuffer readBuffer() {
        return readBuffer;
    }

    long readAddress() {
        return readAddress;
    }

    private void run() {
        try {
            while (!closing) {
                int n = LinuxCalls.epoll_wait(epoll, eventsAddress, MAX_EVENTS, -1);
                if (n < 0) {
                    int errno = Native.getLastError();
                    if (errno == EINTR) {
                        continue;
                    }
                    LOG.error("{}: epoll_wait failed (errno {}); the pty loop stops", name, errno);
                    break;
                }
                for (int i = 0; i < n; i++) {
                    int at = i * EPOLL_EVENT_SIZE;
                    int ready = events.getInt(at);
                    long token = events.getLong(at + EPOLL_EVENT_DATA);
                    if (token == WAKE) {
                        // Drain, then clear: a wake-up written after the drain is seen by the next epoll_wait;
                        // one before the clear was for a channel already in due, run below.
                        LinuxCalls.read(wake, drainedAddress, 8);
                        wakePending.set(false);
                        continue;
                    }
                    PtyChannel c = slots.get((int) (token >>> 2));
                    if (c != null) {
                        c.onEvent((int) (token & 3), ready);
                    }
                }
                runDue();
            }
        } catch (RuntimeException | Error e) {
            LOG.error("{}: the pty loop failed", name, e);
        } finally {
            terminated = true;
            // Channels still here, and any that asked after the last round, release their descriptors.
            for (PtyChannel c : slots) {
                if (c != null) {
                    c.release();
                }
            }
            PtyChannel c;
            while ((c = due.poll()) != null) {
                c.release();
            }
        }
    }

    private void runDue() {
        PtyChannel c;
        while ((c = due.poll()) != null) {
            c.clearScheduled();
            c.service();
        }
    }

    /** Ends the loop thread and the task pool and closes the epoll set; sessions should be closed first. Idempotent. */
    @Override
    public void close() {
        if (closing || tasks.isShutdown()) {
            return;
        }
        // Tasks first, while the loop still reaps: engines closed just before are stopped by them.
        tasks.shutdown();
        if (!inLoop() && !onTaskThread.get()) {
            try {
                if (!tasks.awaitTermination(10, TimeUnit.SECONDS)) {
                    LOG.warn("{}: tasks still running at close", name);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        closing = true;
        if (!inLoop()) {
            wakeUp();
            try {
                thread.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (!thread.isAlive()) {
            LinuxCalls.close(epoll);
            synchronized (one) {
                wakeClosed = true;
                LinuxCalls.close(wake);
            }
        } else {
            LOG.warn("{}: the pty loop did not end; its descriptors stay open", name);
        }
    }

    /** The loop thread's name, for diagnostics. */
    @Override
    public String toString() {
        return "PtyLoop[" + name + "]";
    }
}
