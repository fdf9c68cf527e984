package dev.webrepl.transport.server;

import dev.webrepl.core.engine.IoLoop;
import io.netty.channel.EventLoop;
import io.netty.channel.IoEvent;
import io.netty.channel.IoEventLoop;
import io.netty.channel.IoRegistration;
import io.netty.channel.epoll.EpollIoEvent;
import io.netty.channel.epoll.EpollIoHandle;
import io.netty.channel.epoll.EpollIoOps;
import io.netty.channel.unix.FileDescriptor;
import io.netty.util.concurrent.Future;
import java.io.IOException;

/**
 * A connection's Netty event loop as an engine's {@link IoLoop} (issue #19): descriptors are
 * registered with the loop's epoll {@code IoHandler} (Netty 4.2), level-triggered, so a session's pty
 * is served by the thread that serves the connection that opened it. Only for loops of the native
 * epoll transport ({@link #of(EventLoop)} says null otherwise). Equal for the same event loop.
 */
final class NettyIoLoop implements IoLoop {
    private final IoEventLoop loop;

    private NettyIoLoop(IoEventLoop loop) {
        this.loop = loop;
    }

    /** {@code loop} as an IoLoop, or null if it cannot watch descriptors (not the native epoll transport). */
    static IoLoop of(EventLoop loop) {
        if (loop instanceof IoEventLoop io && io.isCompatible(Handle.class)) {
            return new NettyIoLoop(io);
        }
        return null;
    }

    @Override
    public boolean inLoop() {
        return loop.inEventLoop();
    }

    @Override
    public void execute(Runnable task) {
        loop.execute(task);
    }

    @Override
    public Watch watch(int fd, int ops, Ready ready) throws IOException {
        if (!loop.inEventLoop()) {
            throw new IllegalStateException("watch() off the event loop");
        }
        Future<IoRegistration> f = loop.register(new Handle(new FileDescriptor(fd), ready));
        // On the loop itself the registration is made before register() returns.
        if (!f.isDone() || !f.isSuccess()) {
            f.addListener(done -> {
                if (done.isSuccess()) {
                    ((IoRegistration) done.getNow()).cancel();
                }
            });
            throw new IOException("cannot register descriptor " + fd + " with the event loop", f.cause());
        }
        IoRegistration r = f.getNow();
        try {
            r.submit(EpollIoOps.valueOf(ops));
        } catch (RuntimeException e) {
            r.cancel();
            throw new IOException("cannot watch descriptor " + fd + ": " + e.getMessage(), e);
        }
        return r::cancel;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof NettyIoLoop other && other.loop == loop;
    }

    @Override
    public int hashCode() {
        return System.identityHashCode(loop);
    }

    @Override
    public String toString() {
        return "NettyIoLoop[" + loop + "]";
    }

    /** One descriptor on the loop; the descriptor is the caller's (never closed here). */
    private static final class Handle implements EpollIoHandle {
        private final FileDescriptor fd;
        private final Ready ready;

        Handle(FileDescriptor fd, Ready ready) {
            this.fd = fd;
            this.ready = ready;
        }

        @Override
        public FileDescriptor fd() {
            return fd;
        }

        @Override
        public void handle(IoRegistration registration, IoEvent event) {
            ready.ready(((EpollIoEvent) event).ops().value());
        }

        @Override
        public void close() {
            // The loop shuts down with this descriptor registered.
            ready.loopClosed();
        }
    }
}
