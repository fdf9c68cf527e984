package dev.webrepl.transport.server;

import dev.webrepl.core.protocol.ConnectionRecorder;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufHolder;
import io.netty.channel.Channel;
import io.netty.channel.ChannelConfig;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.ChannelPromise;
import io.netty.channel.FileRegion;
import io.netty.util.ReferenceCountUtil;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What one client can make the server queue for it (README "Security"): nothing it sends may grow
 * the server's memory without bound when it does not read the replies (pongs, file replies, login
 * answers, HTTP responses).
 *
 * <ul>
 *   <li>While the channel is not writable (Netty's high-water mark) or a pong waits behind an
 *       unsent one ({@link ControlFrames}), the connection is not read: every read request is held
 *       here and issued once the client has taken its replies. Reactor Netty's inbound side turns
 *       auto-read on whenever it wants data, which would keep the read interest set; so on pausing,
 *       auto-read is cleared and set again, which drops the interest, and the read that setting it
 *       asks for is held like any other.</li>
 *   <li>Bytes queued for the client, in Netty's outbound buffer plus the connection's own reply
 *       queue ({@link #queue}), may never pass {@code limit}: a write or reply past it is dropped and
 *       the connection is closed at once without a close frame (one that does not read could not
 *       take it), counted as {@code refused("outbound-limit")}.</li>
 * </ul>
 *
 * <p>First in the pipeline, so every read request and every outbound byte passes it. Reads and
 * pauses are event-loop only; {@link #queue} may be called from any thread.
 */
final class OutboundLimit extends ChannelDuplexHandler {
    static final String NAME = "webrepl.outboundLimit";
    /** The default bound: 16 times Netty's high-water mark, far above what a reading client ever has queued. */
    static final long DEFAULT_LIMIT = 1 << 20;
    private static final Logger LOG = LoggerFactory.getLogger(OutboundLimit.class);

    private final long limit;
    private final ConnectionRecorder recorder;
    /** Bytes in the connection's own reply queue (ConnectionHandler), not yet written to the channel. */
    private final AtomicLong queued = new AtomicLong();
    private final AtomicLong peak = new AtomicLong();
    private final AtomicBoolean exceeded = new AtomicBoolean();
    private volatile Channel channel;
    /** Set by the connection's handler once a WebSocket is up: it logs the close in its own line. */
    private volatile java.util.function.Consumer<String> onExceeded;
    /** Event-loop only. */
    private boolean paused;
    private boolean readHeld;
    private boolean pongWaiting;
    private boolean peakReported;

    OutboundLimit(long limit, ConnectionRecorder recorder) {
        this.limit = limit;
        this.recorder = recorder;
    }

    /** From now on an exceeded limit is told to {@code ending} instead of logged here. */
    void onExceeded(java.util.function.Consumer<String> ending) {
        onExceeded = ending;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        channel = ctx.channel();
    }

    @Override
    public void read(ChannelHandlerContext ctx) {
        if (mustWait(ctx)) {
            readHeld = true;
            pause(ctx);
            return;
        }
        ctx.read();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable()) {
            resume(ctx);
        } else {
            pause(ctx);
        }
        ctx.fireChannelWritabilityChanged();
    }

    /** On the event loop: a pong waits behind one not yet sent (true), or has gone out (false). */
    void pongWaiting(ChannelHandlerContext ctx, boolean waiting) {
        pongWaiting = waiting;
        if (waiting) {
            pause(ctx);
        } else {
            resume(ctx);
        }
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        long total = pending() + queued.get() + sizeOf(msg);
        if (total > limit || exceeded.get()) {
            ReferenceCountUtil.release(msg);
            promise.tryFailure(new java.io.IOException("outbound limit of " + limit + " bytes exceeded"));
            exceed();
            return;
        }
        peak.accumulateAndGet(total, Math::max);
        ctx.write(msg, promise);
    }

    /**
     * Any thread: {@code delta} bytes join (positive) or leave (negative) the connection's own reply
     * queue. False if joining would take what is queued for the client past the limit: the caller
     * drops the reply, and the connection is being closed.
     */
    boolean queue(long delta) {
        long q = queued.addAndGet(delta);
        if (delta <= 0) {
            return true;
        }
        long total = q + pending();
        if (total > limit || exceeded.get()) {
            queued.addAndGet(-delta);
            exceed();
            return false;
        }
        peak.accumulateAndGet(total, Math::max);
        return true;
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        reportPeak();
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        reportPeak();
    }

    private boolean mustWait(ChannelHandlerContext ctx) {
        return !ctx.channel().isWritable() || pongWaiting;
    }

    private void pause(ChannelHandlerContext ctx) {
        if (paused || !mustWait(ctx)) {
            return;
        }
        paused = true;
        recorder.readingPaused();
        ChannelConfig config = ctx.channel().config();
        if (config.isAutoRead()) {
            // Clearing drops the read interest; setting it again asks for a read, which read() holds.
            config.setAutoRead(false);
            config.setAutoRead(true);
        }
    }

    private void resume(ChannelHandlerContext ctx) {
        if (!paused || mustWait(ctx)) {
            return;
        }
        paused = false;
        if (readHeld) {
            readHeld = false;
            ctx.read();
        }
    }

    private void exceed() {
        if (!exceeded.compareAndSet(false, true)) {
            return;
        }
        Channel ch = channel;
        String why = "more than " + limit + " bytes queued for a client that does not read";
        java.util.function.Consumer<String> ending = onExceeded;
        if (ending != null) {
            // A WebSocket's handler says it in the connection's one line (README "Logs").
            ending.accept(why);
        } else {
            LogFields.with(null, ch == null ? "?" : LogFields.peer(ch.remoteAddress()), () -> LOG.info("connection closed: {}", why));
        }
        recorder.refused("outbound-limit");
        if (ch != null) {
            ch.close();
        }
    }

    private void reportPeak() {
        if (!peakReported) {
            peakReported = true;
            recorder.outboundPeak(peak.get());
        }
    }

    /** Bytes in Netty's outbound buffer (thread-safe read); 0 once the channel is closed. */
    private long pending() {
        Channel ch = channel;
        ChannelOutboundBuffer buffer = ch == null ? null : ch.unsafe().outboundBuffer();
        return buffer == null ? 0 : buffer.totalPendingWriteBytes();
    }

    private static long sizeOf(Object msg) {
        if (msg instanceof ByteBuf b) {
            return b.readableBytes();
        }
        if (msg instanceof ByteBufHolder h) {
            return h.content().readableBytes();
        }
        if (msg instanceof FileRegion f) {
            return f.count() - f.transferred();
        }
        return 0;
    }
}
