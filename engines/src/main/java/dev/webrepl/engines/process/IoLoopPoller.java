package dev.webrepl.engines.process;

import static dev.webrepl.engines.process.LinuxCalls.EPOLL_CTL_DEL;

import dev.webrepl.core.engine.IoLoop;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves ptys on a connection's I/O loop ({@link IoLoop}, the Netty event loop of the connection that
 * opened the session, issue #19): the echo of a keystroke is read and sent to that client on one thread,
 * with no hand-over to a pty thread and back. Everything that may block (end reports, the readiness
 * probe, close's waits) runs on the task pool of the {@link PtyLoop} that made this poller. One per I/O
 * loop: its slots and its read buffer are that loop thread's.
 */
final class IoLoopPoller extends PtyPoller {
    private static final Logger LOG = LoggerFactory.getLogger(IoLoopPoller.class);

    private final IoLoop io;
    private final PtyLoop tasks;
    private final ByteBuffer readBuffer = LinuxCalls.direct(PtyChannel.CHUNK);
    private final long readAddress = LinuxCalls.address(readBuffer);
    /** Channels that asked for the loop's attention; each is in here at most once (its scheduled flag). */
    private final ConcurrentLinkedQueue<PtyChannel> due = new ConcurrentLinkedQueue<>();
    /** A run of {@link #runDue()} is queued on the loop. */
    private final AtomicBoolean dueQueued = new AtomicBoolean();
    private final Runnable runDue = this::runDue;
    private volatile boolean terminated;
    // Loop thread only: the attached channels by slot, the free slots, the watches by descriptor.
    private final List<PtyChannel> slots = new ArrayList<>();
    private final ArrayDeque<Integer> free = new ArrayDeque<>();
    private final Map<Integer, IoLoop.Watch> watches = new HashMap<>();

    IoLoopPoller(IoLoop io, PtyLoop tasks) {
        this.io = io;
        this.tasks = tasks;
    }

    @Override
    boolean inLoop() {
        return io.inLoop();
    }

    @Override
    boolean terminated() {
        return terminated;
    }

    @Override
    boolean execute(Runnable task) {
        return tasks.execute(task);
    }

    @Override
    boolean later(Runnable task, long millis) {
        return tasks.later(task, millis);
    }

    @Override
    void schedule(PtyChannel channel) {
        if (!channel.markScheduled()) {
            return;
        }
        due.add(channel);
        if (dueQueued.compareAndSet(false, true)) {
            try {
                io.execute(runDue);
            } catch (RejectedExecutionException closed) {
                // The I/O loop shut down (the server stops): nobody serves these channels any more.
                LOG.debug("the I/O loop is closed; its ptys are released");
                terminated = true;
                PtyChannel c;
                while ((c = due.poll()) != null) {
                    c.release();
                }
            }
        }
    }

    private void runDue() {
        // Cleared first: a channel scheduled from here on queues another run.
        dueQueued.set(false);
        PtyChannel c;
        while ((c = due.poll()) != null) {
            c.clearScheduled();
            c.service();
        }
    }

    @Override
    int attach(PtyChannel channel) {
        Integer slot = free.poll();
        if (slot == null) {
            slots.add(channel);
            return slots.size() - 1;
        }
        slots.set(slot, channel);
        return slot;
    }

    @Override
    void detach(int slot) {
        slots.set(slot, null);
        free.add(slot);
    }

    @Override
    int control(int op, int fd, int interest, long token) {
        if (op == EPOLL_CTL_DEL) {
            IoLoop.Watch w = watches.remove(fd);
            if (w != null) {
                w.cancel();
            }
            return 0;
        }
        try {
            watches.put(fd, io.watch(fd, interest, new Ready(token)));
            return 0;
        } catch (IOException | RuntimeException e) {
            LOG.debug("cannot watch descriptor {}", fd, e);
            return -1;
        }
    }

    @Override
    ByteBuffer readBuffer() {
        return readBuffer;
    }

    @Override
    long readAddress() {
        return readAddress;
    }

    /** One watched descriptor of a channel: its events go to the channel in the slot it names. */
    private final class Ready implements IoLoop.Ready {
        private final long token;

        Ready(long token) {
            this.token = token;
        }

        @Override
        public void ready(int events) {
            int slot = (int) (token >>> 2);
            PtyChannel c = slot < slots.size() ? slots.get(slot) : null;
            if (c != null) {
                c.onEvent((int) (token & 3), events);
            }
        }

        @Override
        public void loopClosed() {
            terminated = true;
            int slot = (int) (token >>> 2);
            PtyChannel c = slot < slots.size() ? slots.get(slot) : null;
            if (c != null) {
                c.release();
            }
        }
    }

    @Override
    public String toString() {
        return "IoLoopPoller[" + io + "]";
    }
}
