package dev.webrepl.transport.server;

import dev.webrepl.core.protocol.ConnectionRecorder;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The HTTP stage's limits (spec §1.1: the reference blocks forever on a silent client). A connection
 * gets {@code timeout} from connecting, and again after each complete plain HTTP response, to get its
 * next response under way; otherwise it is closed (slowloris). A request head over the size limit is
 * counted as it fails to decode (Reactor Netty answers it). Installed per connection right after the
 * HTTP codec, it leaves once the 101 has been written: the WebSocket stage has its own limits.
 *
 * <p>Event-loop only, so its fields need no synchronisation.
 */
final class HandshakeGuard extends ChannelDuplexHandler {
    static final String NAME = "webrepl.handshakeGuard";
    private static final System.Logger LOG = System.getLogger(HandshakeGuard.class.getName());

    private final Duration timeout;
    private final ConnectionRecorder recorder;
    private ScheduledFuture<?> timer;

    HandshakeGuard(Duration timeout, ConnectionRecorder recorder) {
        this.timeout = timeout;
        this.recorder = recorder;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        // An accepted channel is already active when the pipeline is built (doOnChannelInit).
        if (ctx.channel().isActive()) {
            start(ctx);
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        start(ctx);
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpRequest req && req.decoderResult().cause() instanceof TooLongHttpHeaderException) {
            LOG.log(Level.INFO, "connection " + ctx.channel().remoteAddress() + ": request head over the size limit");
            recorder.refused("header-too-large");
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof HttpResponse res) {
            cancel();
            if (res.status().code() == HttpResponseStatus.SWITCHING_PROTOCOLS.code()) {
                ctx.write(msg, promise);
                ctx.pipeline().remove(this);
                return;
            }
        }
        if (msg instanceof LastHttpContent) {
            // Keep-alive: the clock runs again for the next request once this response is out.
            ctx.write(msg, promise.unvoid()).addListener((ChannelFutureListener) f -> start(ctx));
            return;
        }
        ctx.write(msg, promise);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        cancel();
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        cancel();
    }

    private void start(ChannelHandlerContext ctx) {
        if (timer != null || ctx.isRemoved() || !ctx.channel().isActive()) {
            return;
        }
        timer = ctx.executor().schedule(() -> {
            timer = null;
            if (ctx.channel().isActive()) {
                LOG.log(Level.INFO, "connection " + ctx.channel().remoteAddress() + ": no request within " + timeout
                        + "; closed");
                recorder.refused("handshake-timeout");
                ctx.close();
            }
        }, timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    private void cancel() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }
}
