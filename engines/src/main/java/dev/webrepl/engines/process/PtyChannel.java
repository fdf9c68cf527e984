package dev.webrepl.engines.process;

import static dev.webrepl.engines.process.LinuxCalls.EAGAIN;
import static dev.webrepl.engines.process.LinuxCalls.EINTR;
import static dev.webrepl.engines.process.LinuxCalls.EIO;
import static dev.webrepl.engines.process.LinuxCalls.EPOLLIN;
import static dev.webrepl.engines.process.LinuxCalls.EPOLLOUT;
import static dev.webrepl.engines.process.LinuxCalls.EPOLL_CTL_ADD;
import static dev.webrepl.engines.process.LinuxCalls.EPOLL_CTL_DEL;

import com.sun.jna.Native;
import dev.webrepl.core.engine.Pausable;
import dev.webrepl.core.engine.TerminalOutput;
import java.io.IOException;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;
import org.reactivestreams.Subscription;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Flux;

/**
 * One session's pty on a {@link PtyLoop}: copies the master's output to the session and the
 * session's input to the master, at the pace of each side, on the loop thread.
 * <ul>
 * <li>Output: read while not paused; paused, the master leaves the epoll set, the child then blocks on
 *     a full pty as on a real terminal, and nothing is lost (DESIGN "Output, buffering and the POSIX
 *     send() rule"). At most {@link #CHUNK} bytes are handed over after {@link #pause()}.
 * <li>Input: one chunk requested at a time, the next only once the pty took the whole chunk (a write
 *     that would block waits for EPOLLOUT), so a child that does not read stalls input back to TCP
 *     (DESIGN "Data flow"). Ctrl-C goes ahead of the chunk waiting to be written and drops it. The
 *     thread that hands a chunk or a Ctrl-C over writes it itself when the pty takes it at once (a
 *     keystroke then costs no wake-up of the loop, issue #19); what would block is left to the loop.
 * <li>End: once the child exited (its pidfd is readable: the loop reaps it) and the master is drained.
 * </ul>
 * The end and the failures are reported on the loop's task pool, never on the loop thread: reporting
 * them closes the session, which closes the engine, which may wait for the child.
 */
final class PtyChannel extends BaseSubscriber<byte[]> implements Pausable {
    /** The most handed to the session at once, gathered from several reads (a Linux pty gives at most 4095 per read). */
    static final int CHUNK = 16384;
    /** Reads per readiness event before other ptys get their turn (epoll is level-triggered: it tells again). */
    private static final int READS_PER_EVENT = 32;
    /**
     * A read shorter than this finds the pty all but empty (an echo, a prompt): handed over at once,
     * without another read that would only say EAGAIN (epoll is level-triggered: more data tells again).
     * A program that streams fills a read (a Linux pty gives up to 4095 bytes), and those are gathered.
     */
    private static final int SHORT_READ = 512;
    private static final byte[] CTRL_C = {0x03};
    private static final int MASTER = 0;
    private static final int WRITER = 1;
    private static final int CHILD = 2;

    /** What the engine is told; called on the loop's task pool. */
    interface Events {
        /** The child exited (reaped) and its output is all delivered. */
        void outputEnded();

        void readFailed(IOException e);

        void writeFailed(IOException e);
    }

    private final PtyLoop loop;
    private final PtyChild child;
    /** The child's master: read here; closed by the engine after {@link #stop}. */
    private final int master;
    /** Our duplicate of the master, written here: watched for EPOLLOUT apart from the master's EPOLLIN. */
    private final int writer;
    /** The child's pidfd: readable once it exited. */
    private final int pidfd;
    private final TerminalOutput output;
    private final Events events;

    // Any thread.
    private final AtomicBoolean scheduled = new AtomicBoolean();
    /** The input chunk received and not yet being written: at most one, as demand is one. */
    private final AtomicReference<byte[]> waiting = new AtomicReference<>();
    private final AtomicInteger interrupts = new AtomicInteger();
    /** Input chunks Ctrl-C dropped: each is requested again. */
    private final AtomicInteger dropped = new AtomicInteger();
    private final AtomicBoolean released = new AtomicBoolean();
    private final CountDownLatch detached = new CountDownLatch(1);
    private volatile boolean paused;
    private volatile boolean parked;
    private volatile boolean inputReleased;
    private volatile boolean stopping;
    private volatile boolean writeStalled;
    /** Set on the loop thread: the child is gone or reading failed; input has nowhere to go. */
    private volatile boolean ended;

    /**
     * Held while writing to {@link #writer} and while closing it: the loop and the threads that hand
     * input over write under it (one at a time, in order), and the descriptor is never closed under a
     * write. Guards {@link #current}, {@link #currentIsInput} and {@link #writeDead}, and makes the
     * input requests serial (Reactive Streams §2.7).
     */
    private final ReentrantLock writing = new ReentrantLock();
    private boolean writeDead;
    private byte[] current;
    private boolean currentIsInput;

    // Loop thread only.
    private int slot = -1;
    private boolean masterWatched;
    private boolean writerWatched;
    private boolean childWatched;
    private boolean childExited;
    private boolean outputDone;

    /** Makes the child's master non-blocking (the child's side, the slave, is not affected). */
    PtyChannel(PtyLoop loop, PtyChild child, TerminalOutput output, Events events) throws IOException {
        this.loop = loop;
        this.child = child;
        this.master = child.master();
        this.pidfd = child.pidfd();
        this.output = output;
        this.events = events;
        int flags = LinuxCalls.fcntl(master, LinuxCalls.F_GETFL, 0);
        if (flags < 0 || LinuxCalls.fcntl(master, LinuxCalls.F_SETFL, flags | LinuxCalls.O_NONBLOCK) < 0) {
            throw new IOException("cannot make the pty non-blocking: errno " + Native.getLastError());
        }
        writer = LinuxCalls.fcntl(master, LinuxCalls.F_DUPFD_CLOEXEC, 0);
        if (writer < 0) {
            throw new IOException("cannot duplicate the pty: errno " + Native.getLastError());
        }
    }

    /** Joins the loop and subscribes to {@code input}; nothing is written before {@link #releaseInput()}. */
    void start(Flux<byte[]> input) {
        loop.schedule(this);
        input.subscribe(this);
    }

    /** The child can take input (or the session delivers it anyway): writing starts. */
    void releaseInput() {
        inputReleased = true;
        loop.schedule(this);
    }

    /** Whether input is written (after {@link #releaseInput()}). */
    boolean inputReleased() {
        return inputReleased;
    }

    /** Whether input or an interrupt waits to be written. */
    boolean hasWork() {
        return waiting.get() != null || interrupts.get() > 0;
    }

    /** Queues Ctrl-C ahead of the input waiting to be written, which it drops; returns at once. */
    void interrupt() {
        if (waiting.getAndSet(null) != null) {
            dropped.incrementAndGet();
        }
        interrupts.incrementAndGet();
        writeSoon();
    }

    @Override
    public void pause() {
        paused = true;
        loop.schedule(this);
    }

    @Override
    public void resume() {
        paused = false;
        loop.schedule(this);
    }

    /** Whether reading waits for {@link #resume()} (the master is out of the epoll set). */
    boolean parked() {
        return parked;
    }

    /** Whether a write waits for the pty to take input (EPOLLOUT). */
    boolean writeStalled() {
        return writeStalled;
    }

    /**
     * Stops reading, writing and reporting, cancels the input subscription and leaves the loop; waits
     * up to {@code timeout} for that (the loop then no longer touches the master, which may be closed).
     */
    boolean stop(Duration timeout) throws InterruptedException {
        stopping = true;
        dispose();
        if (loop.inLoop()) {
            leave();
            return true;
        }
        loop.schedule(this);
        if (loop.terminated()) {
            release();
        }
        return detached.await(Math.max(1, timeout.toMillis()), TimeUnit.MILLISECONDS);
    }

    boolean markScheduled() {
        return scheduled.compareAndSet(false, true);
    }

    void clearScheduled() {
        scheduled.set(false);
    }

    @Override
    protected void hookOnSubscribe(Subscription subscription) {
        subscription.request(1);
    }

    @Override
    protected void hookOnNext(byte[] bytes) {
        waiting.set(bytes);
        writeSoon();
    }

    /**
     * Writes what waits (Ctrl-Cs, then the chunk) from the calling thread if the pty takes it now;
     * otherwise the loop writes it, watching EPOLLOUT. Called by the thread that handed input over.
     */
    private void writeSoon() {
        if (writing.isHeldByCurrentThread()) {
            // Handed over from inside a write (its request): that write's loop takes it next.
            return;
        }
        if (inputReleased && !ended && !stopping && !loop.inLoop() && writing.tryLock()) {
            boolean done;
            try {
                done = writeMore(false);
            } finally {
                writing.unlock();
            }
            if (done) {
                return;
            }
        }
        loop.schedule(this);
    }

    /** Loop thread: whatever was asked from other threads. */
    void service() {
        if (stopping) {
            leave();
            return;
        }
        if (slot < 0) {
            join();
        }
        if (ended) {
            // The child is gone: input has nowhere to go, and the session closes us soon.
        } else if (paused) {
            if (masterWatched) {
                park();
            }
        } else if (parked) {
            parked = false;
            if (!outputDone) {
                watch(MASTER, master, EPOLLIN);
            }
            pump();
        }
        if (inputReleased && !ended) {
            writeOnLoop();
        }
    }

    /** Loop thread: an epoll event for this channel's descriptor {@code kind}. */
    void onEvent(int kind, int ready) {
        if (kind == CHILD) {
            childEvent();
            return;
        }
        if (stopping || ended) {
            return;
        }
        switch (kind) {
            case MASTER -> pump();
            case WRITER -> {
                unwatch(WRITER, writer);
                writeStalled = false;
                writeOnLoop();
            }
            default -> throw new IllegalStateException("unknown descriptor kind " + kind);
        }
    }

    /** Loop thread: the child exited; reaped here, even after a failure ended the copying (no zombie left). */
    private void childEvent() {
        if (!child.reap()) {
            return;
        }
        unwatch(CHILD, pidfd);
        childExited = true;
        if (stopping || ended) {
            return;
        }
        if (outputDone) {
            end();
        } else if (!paused) {
            pump(); // drains what the child wrote last, then ends at EAGAIN
        }
    }

    private void join() {
        slot = loop.attach(this);
        watch(CHILD, pidfd, EPOLLIN);
        if (paused) {
            parked = true;
        } else {
            watch(MASTER, master, EPOLLIN);
        }
    }

    /** Loop thread: reads until the pty is empty, paused, or this event's share is used. */
    private void pump() {
        if (ended) {
            return;
        }
        if (outputDone) {
            if (childExited) {
                end();
            }
            return;
        }
        // Reads are gathered in the loop's buffer and handed over together when it is full or the pty
        // is empty: a pty gives at most 4095 bytes per read, and each hand-over costs a session write,
        // a frame and a socket write. Nothing waits: the gathering stops at the first EAGAIN.
        int filled = 0;
        for (int i = 0; i < READS_PER_EVENT; i++) {
            if (paused) {
                deliver(filled);
                park();
                return;
            }
            long n = LinuxCalls.read(master, loop.readAddress() + filled, CHUNK - filled);
            if (n > 0) {
                filled += (int) n;
                if (filled == CHUNK) {
                    deliver(filled);
                    filled = 0;
                } else if (n < SHORT_READ && !childExited) {
                    // After the child's exit the pty is read to its end (EAGAIN or EIO), so the end is seen.
                    deliver(filled);
                    return;
                }
                continue;
            }
            int errno = n == 0 ? EIO : Native.getLastError();
            if (errno == EINTR) {
                continue;
            }
            deliver(filled);
            filled = 0;
            if (errno == EAGAIN) {
                if (childExited) {
                    end();
                }
                return;
            }
            if (errno == EIO) {
                // Linux: every slave descriptor is closed. The end waits for the child's exit (its pidfd).
                outputDone = true;
                unwatch(MASTER, master);
                if (childExited) {
                    end();
                }
                return;
            }
            ended = true;
            unwatchCopying();
            IOException e = new IOException("read from the pty failed: errno " + errno);
            loop.execute(() -> events.readFailed(e));
            return;
        }
        deliver(filled);
    }

    /** Hands the first {@code n} bytes of the loop's buffer to the session, as an array of exactly that size. */
    private void deliver(int n) {
        if (n > 0) {
            byte[] bytes = new byte[n];
            loop.readBuffer().get(0, bytes);
            output.write(bytes);
        }
    }

    private void park() {
        unwatch(MASTER, master);
        parked = true;
    }

    private void end() {
        if (ended) {
            return;
        }
        ended = true;
        unwatchCopying();
        loop.execute(events::outputEnded);
    }

    /** Loop thread: writes what waits, watching EPOLLOUT if the pty is full. */
    private void writeOnLoop() {
        writing.lock();
        try {
            writeMore(true);
        } finally {
            writing.unlock();
        }
    }

    /**
     * Under {@link #writing}: writes Ctrl-Cs, then the waiting chunk, until done or the pty is full.
     * On the loop ({@code onLoop}) a full pty is watched for EPOLLOUT; elsewhere the loop's epoll set
     * is not touched, and false says the loop must go on (a chunk is left, or the write failed).
     */
    private boolean writeMore(boolean onLoop) {
        while (!writeDead && !stopping && !released.get()) {
            if (current == null) {
                int more = dropped.getAndSet(0);
                if (more > 0) {
                    // Chunks Ctrl-C dropped are asked for again; what arrives now, on this thread, is taken below.
                    request(more);
                }
                if (interrupts.get() > 0) {
                    interrupts.decrementAndGet();
                    current = CTRL_C;
                    currentIsInput = false;
                } else {
                    current = waiting.getAndSet(null);
                    currentIsInput = true;
                    if (current == null) {
                        break;
                    }
                }
            }
            long n = current.length == 0 ? 0 : LinuxCalls.write(writer, current, current.length);
            if (n == current.length) {
                boolean input = currentIsInput;
                current = null;
                if (input) {
                    request(1); // under the lock, so requests are serial (Reactive Streams §2.7)
                }
                continue;
            }
            if (n >= 0) {
                current = Arrays.copyOfRange(current, (int) n, current.length);
                if (!onLoop) {
                    return false;
                }
                watchWriter();
                break;
            }
            int errno = Native.getLastError();
            if (errno == EINTR) {
                continue;
            }
            if (errno == EAGAIN) {
                if (!onLoop) {
                    return false;
                }
                watchWriter();
                break;
            }
            writeDead = true;
            current = null;
            IOException e = new IOException("write to the pty failed: errno " + errno);
            loop.execute(() -> events.writeFailed(e));
            return true;
        }
        return true;
    }

    private void watchWriter() {
        if (!writerWatched) {
            watch(WRITER, writer, EPOLLOUT);
        }
        writeStalled = true;
    }

    private void watch(int kind, int fd, int interest) {
        if (loop.control(EPOLL_CTL_ADD, fd, interest, (long) slot * 4 + kind) != 0) {
            int errno = Native.getLastError();
            ended = true;
            unwatchCopying();
            IOException e = new IOException("cannot watch the pty: errno " + errno);
            loop.execute(() -> events.readFailed(e));
            return;
        }
        switch (kind) {
            case MASTER -> masterWatched = true;
            case WRITER -> writerWatched = true;
            default -> childWatched = true;
        }
    }

    private void unwatch(int kind, int fd) {
        boolean watched = switch (kind) {
            case MASTER -> masterWatched;
            case WRITER -> writerWatched;
            default -> childWatched;
        };
        if (!watched) {
            return;
        }
        loop.control(EPOLL_CTL_DEL, fd, 0, 0);
        switch (kind) {
            case MASTER -> masterWatched = false;
            case WRITER -> writerWatched = false;
            default -> childWatched = false;
        }
    }

    /** Stops reading and writing; the child stays watched, to be reaped. */
    private void unwatchCopying() {
        unwatch(MASTER, master);
        unwatch(WRITER, writer);
    }

    /** Loop thread: out of the epoll set and the loop's slots, descriptors closed. */
    private void leave() {
        unwatchCopying();
        unwatch(CHILD, pidfd);
        if (slot >= 0) {
            loop.detach(slot);
            slot = -1;
        }
        release();
    }

    /**
     * Closes our duplicate of the master once (the child's own descriptors are the engine's); from the
     * loop, or any thread once it ended. Never under a write: its number may be another file's after.
     */
    void release() {
        writing.lock();
        try {
            if (released.compareAndSet(false, true)) {
                LinuxCalls.close(writer);
                detached.countDown();
            }
        } finally {
            writing.unlock();
        }
    }
}
