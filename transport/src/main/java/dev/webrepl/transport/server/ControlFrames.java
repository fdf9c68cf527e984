package dev.webrepl.transport.server;

import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.util.AttributeKey;
import java.util.concurrent.TimeUnit;

/**
 * The client's control frames, right behind the frame decoder (installed with it by
 * {@link LegacyClientCompat}), so every reply they provoke is bounded:
 *
 * <ul>
 *   <li><b>Ping</b>: answered here, not by Reactor Netty, at most one pong on its way and one
 *       waiting (RFC 6455 §5.5.3 allows answering only the most recent ping): a newer ping replaces
 *       the waiting pong, and while one waits {@link OutboundLimit} stops reading the connection.</li>
 *   <li><b>Close</b> with a code RFC 6455 §7.4 does not allow a client to send (below 1000,
 *       1004–1006, 1015–2999, 5000 and up): answered with close 1002 and a reason, then TCP close.
 *       Valid ones go on to Reactor Netty, which echoes them.</li>
 *   <li><b>A frame that breaks framing</b>: Netty's decoder (its own answer turned off, since it
 *       sends none at all once it has seen a close opcode) reports it; it is answered here with
 *       the close code it names (1002, 1007 or 1009) and its message, then TCP close.</li>
 * </ul>
 *
 * <p>Event-loop only. Buffer ownership: a ping's payload becomes its pong's; a replaced waiting pong
 * is released, as is a waiting one when the channel goes.
 */
final class ControlFrames extends ChannelInboundHandlerAdapter {
    static final String NAME = "webrepl.controlFrames";
    /** Close reasons are at most 123 bytes (RFC 6455 §5.5); ours are ASCII. */
    private static final int MAX_REASON = 123;
    /** As ConnectionHandler's: how long a close frame may wait to get out before TCP is closed anyway. */
    private static final long CLOSE_GRACE_MILLIS = 5_000;

    /** Why this handler closed the connection, for the connection's log line ({@link ConnectionHandler}). */
    static final AttributeKey<String> CLOSED_BECAUSE = AttributeKey.valueOf("webrepl.controlFrames.closedBecause");

    private boolean pongInFlight;
    private PongWebSocketFrame waitingPong;
    private boolean closing;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof PingWebSocketFrame ping) {
            pong(ctx, new PongWebSocketFrame(ping.content()));
            return;
        }
        if (msg instanceof CloseWebSocketFrame close && !allowedFromClient(close)) {
            int code = codeOf(close);
            close.release();
            protocolError(ctx, WebSocketCloseStatus.PROTOCOL_ERROR.code(), "invalid close code " + code);
            return;
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof CorruptedWebSocketFrameException e) {
            WebSocketCloseStatus status = e.closeStatus();
            protocolError(ctx, status == null ? WebSocketCloseStatus.PROTOCOL_ERROR.code() : status.code(),
                    e.getMessage() == null ? "protocol error" : e.getMessage());
        }
        ctx.fireExceptionCaught(cause);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        releaseWaiting();
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        releaseWaiting();
    }

    /** Whether {@code close} carries no code, or one a client may send ({@link #allowedCode}). */
    static boolean allowedFromClient(CloseWebSocketFrame close) {
        return close.content().readableBytes() < 2 || allowedCode(codeOf(close));
    }

    /** RFC 6455 §7.4.1/§7.4.2 and the IANA registry: the codes an endpoint may put in a close frame. */
    static boolean allowedCode(int code) {
        return code >= 1000 && code <= 1003 || code >= 1007 && code <= 1014 || code >= 3000 && code <= 4999;
    }

    private static int codeOf(CloseWebSocketFrame close) {
        return close.content().getUnsignedShort(close.content().readerIndex());
    }

    private void pong(ChannelHandlerContext ctx, PongWebSocketFrame pong) {
        if (closing) {
            pong.release();
            return;
        }
        if (pongInFlight) {
            boolean wasWaiting = waitingPong != null;
            if (wasWaiting) {
                waitingPong.release();
            }
            waitingPong = pong;
            if (!wasWaiting) {
                limit(ctx, true);
            }
            return;
        }
        pongInFlight = true;
        ctx.writeAndFlush(pong).addListener((ChannelFutureListener) f -> {
            pongInFlight = false;
            PongWebSocketFrame next = waitingPong;
            waitingPong = null;
            if (next != null) {
                if (f.isSuccess() && ctx.channel().isActive()) {
                    pong(ctx, next);
                } else {
                    next.release();
                }
                limit(ctx, false);
            }
        });
    }

    private void protocolError(ChannelHandlerContext ctx, int code, String reason) {
        if (closing) {
            return;
        }
        closing = true;
        releaseWaiting();
        String r = reason.length() > MAX_REASON ? reason.substring(0, MAX_REASON) : reason;
        ctx.channel().attr(CLOSED_BECAUSE).setIfAbsent("closed on a protocol error: " + reason);
        ChannelFuture sent = ctx.writeAndFlush(new CloseWebSocketFrame(code, r)).addListener(ChannelFutureListener.CLOSE);
        if (!sent.isDone()) {
            // A client that reads nothing never lets the close frame out: TCP close after a grace period.
            ctx.executor().schedule(() -> {
                ctx.close();
            }, CLOSE_GRACE_MILLIS, TimeUnit.MILLISECONDS);
        }
    }

    private static void limit(ChannelHandlerContext ctx, boolean waiting) {
        OutboundLimit limit = ctx.pipeline().get(OutboundLimit.class);
        if (limit != null) {
            limit.pongWaiting(ctx.pipeline().context(limit), waiting);
        }
    }

    private void releaseWaiting() {
        if (waitingPong != null) {
            waitingPong.release();
            waitingPong = null;
        }
    }
}
