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
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP stage's limits (spec §1.1: the reference blocks forever on a silent client). A connection
 * gets {@code timeout} from connecting, and again after each complete plain HTTP response, to get its
 * next response under way, and {@code timeout} for each response to be written out whole (a client
 * that sends requests and never reads the answers would otherwise hold the connection, and kernel
 * memory, for ever); otherwise it is closed (slowloris). Connections in this stage count against their
 * address's cap from the moment they are accepted, so one address cannot hold more of them than of
 * WebSocket connections. A request head over the size limit is counted as it fails to decode (Reactor
 * Netty answers it). Installed per connection right after the HTTP codec, it leaves once the 101 has
 * been written: the WebSocket stage has its own limits.
 *
 * <p>Event-loop only, so its fields need no synchronisation.
 */
final class HandshakeGuard extends ChannelDuplexHandler {
    static final String NAME = "webrepl.handshakeGuard";
    private static final Logger LOG = LoggerFactory.getLogger(HandshakeGuard.class);

    private final Duration timeout;
    private final ConnectionRecorder recorder;
    private final AddressConnections inHttpStage;
    private ScheduledFuture<?> timer;
    /** The address counted in {@link #inHttpStage}, until released; null if none. */
    private InetAddress counted;

    HandshakeGuard(Duration timeout, ConnectionRecorder recorder, AddressConnections inHttpStage) {
        this.timeout = timeout;
        this.recorder = recorder;
        this.inHttpStage = inHttpStage;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        // An accepted channel is already active when the pipeline is built (doOnChannelInit).
        if (ctx.channel().isActive()) {
            admit(ctx);
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        admit(ctx);
        ctx.fireChannelActive();
    }

    /** Counts the connection against its address (closing it at once past the cap) and starts the clock. */
    private void admit(ChannelHandlerContext ctx) {
        if (counted == null && timer == null && ctx.channel().remoteAddress() instanceof InetSocketAddress remote) {
            InetAddress a = AddressKey.of(remote.getAddress());
            if (!inHttpStage.tryAcquire(a)) {
                LogFields.with(null, LogFields.peer(remote), () -> LOG.info("connection refused: too many connections"
                        + " from this address waiting for their HTTP answers"));
                recorder.refused("per-address-limit");
                ctx.close();
                return;
            }
            counted = a;
        }
        start(ctx);
    }

    private void release() {
        if (counted != null) {
            inHttpStage.release(counted);
            counted = null;
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpRequest req && req.decoderResult().cause() instanceof TooLongHttpHeaderException) {
            LogFields.with(null, LogFields.peer(ctx.channel().remoteAddress()),
                    () -> LOG.info("connection refused: request head over the size limit"));
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
            // The response must be out whole within the timeout: a client that never reads cannot hold it.
            start(ctx);
        }
        if (msg instanceof LastHttpContent) {
            // Keep-alive: the clock runs again for the next request once this response is out.
            ctx.write(msg, promise.unvoid()).addListener((ChannelFutureListener) f -> {
                cancel();
                start(ctx);
            });
            return;
        }
        ctx.write(msg, promise);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        cancel();
        release();
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        cancel();
        release();
    }

    private void start(ChannelHandlerContext ctx) {
        if (timer != null || ctx.isRemoved() || !ctx.channel().isActive()) {
            return;
        }
        timer = ctx.executor().schedule(() -> {
            timer = null;
            if (ctx.channel().isActive()) {
                LogFields.with(null, LogFields.peer(ctx.channel().remoteAddress()), () -> LOG.info(
                        "connection closed: no request, or its answer not taken, within {}", timeout));
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
