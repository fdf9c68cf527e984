package dev.webrepl.transport.server;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Finds half-open connections: sends an empty ping every interval and reports a connection whose
 * client has answered a ping before but has sent no frame at all (pong or data) for the timeout.
 *
 * <p>A client that never answers pings is never timed out: webrepl_cli.py skips control frames
 * without answering (spec §1.2) and must keep working while its user only reads. Pings are empty,
 * so even a reader that feeds control payloads into its data (the reference's bug, spec §1.3) is
 * not disturbed. A connection whose input the server is holding back (auto-read off: backpressure;
 * or not writable, so {@link OutboundLimit} does not read it) counts as alive, since its pongs are
 * waiting unread behind its data. The client's own pings are answered by {@link ControlFrames} and
 * do not get here. Event-loop only; sees frames as they are decoded and passes them on unchanged.
 */
final class PingKeepalive extends ChannelInboundHandlerAdapter {
    static final String NAME = "webrepl.keepalive";

    private final long intervalNanos;
    private final long timeoutNanos;
    private final Runnable onTimeout;
    private ScheduledFuture<?> timer;
    private long lastHeard;
    private boolean answersPings;

    /** Pings every {@code interval}; {@code onTimeout} runs on the event loop, at most once. */
    PingKeepalive(Duration interval, Duration timeout, Runnable onTimeout) {
        this.intervalNanos = interval.toNanos();
        this.timeoutNanos = timeout.toNanos();
        this.onTimeout = onTimeout;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        lastHeard = System.nanoTime();
        timer = ctx.executor().scheduleAtFixedRate(() -> tick(ctx), intervalNanos, intervalNanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        stop();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        stop();
        ctx.fireChannelInactive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof WebSocketFrame) {
            lastHeard = System.nanoTime();
            if (msg instanceof PongWebSocketFrame) {
                answersPings = true;
            }
        }
        ctx.fireChannelRead(msg);
    }

    private void tick(ChannelHandlerContext ctx) {
        if (!ctx.channel().isActive()) {
            stop();
            return;
        }
        long now = System.nanoTime();
        if (!ctx.channel().config().isAutoRead() || !ctx.channel().isWritable()) {
            lastHeard = now;
        }
        if (timeoutNanos > 0 && answersPings && now - lastHeard >= timeoutNanos) {
            stop();
            onTimeout.run();
            return;
        }
        ctx.channel().writeAndFlush(new PingWebSocketFrame());
    }

    private void stop() {
        ScheduledFuture<?> t = timer;
        timer = null;
        if (t != null) {
            t.cancel(false);
        }
    }
}
