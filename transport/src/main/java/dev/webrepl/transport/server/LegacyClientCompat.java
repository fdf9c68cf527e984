package dev.webrepl.transport.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;

/**
 * Makes Reactor Netty's WebSocket handshake accept the legacy WebREPL clients (spec §1.4;
 * notes/java-stack-findings.md Q1, Q2). Installed per connection right after the HTTP codec; it
 * removes itself once the 101 has passed, so frames cost nothing extra.
 *
 * <ul>
 *   <li>A request with {@code Upgrade: websocket} and no {@code Sec-WebSocket-Version} (webrepl_cli)
 *       is marked version 13; Netty would otherwise pick the Hixie-76 handshaker and fail.</li>
 *   <li>The frame decoder Netty just installed is replaced by one that accepts unmasked frames
 *       (webrepl_cli never masks), masked ones still being unmasked.</li>
 *   <li>An upgrade without {@code Sec-WebSocket-Key} gets {@code 400} {@code missing Sec-WebSocket-Key}
 *       and a TCP close (webrepl_cli sends {@code foo}: any value is accepted, spec §1.2).</li>
 *   <li>The frame decoder is followed by {@link ControlFrames}, which answers pings and bad close
 *       codes with bounded replies.</li>
 *   <li>The 101's headers are written as the reference writes them ({@code Upgrade: websocket},
 *       {@code Connection: Upgrade}, {@code Sec-WebSocket-Accept}), byte for byte (spec §9 T1).</li>
 * </ul>
 */
final class LegacyClientCompat extends ChannelDuplexHandler {
    /**
     * Set on a connection that upgraded with webrepl_cli's handshake (no {@code Sec-WebSocket-Version}):
     * its frame reader skips a ping and then blocks in {@code recv()} for the next frame, no longer
     * reading the keyboard, so such a client is never sent a control frame it did not ask for.
     */
    static final AttributeKey<Boolean> CLI_HANDSHAKE = AttributeKey.valueOf("webrepl.cliHandshake");

    static final String NAME = "webrepl.legacyCompat";
    /** Netty's name for the frame decoder in {@code WebSocketServerHandshaker}; stable in 4.1 and 4.2. */
    private static final String NETTY_WS_DECODER = "wsdecoder";

    private final int maxFramePayloadLength;
    /** Event-loop only: an upgrade without a key got its 400; nothing more is read. */
    private boolean refusing;

    LegacyClientCompat(int maxFramePayloadLength) {
        this.maxFramePayloadLength = maxFramePayloadLength;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (refusing) {
            // The rest of a refused upgrade request (its body, or anything behind it): the connection is closing.
            ReferenceCountUtil.release(msg);
            return;
        }
        if (msg instanceof HttpRequest req
                && req.headers().containsValue(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET, true)) {
            if (!req.headers().contains(HttpHeaderNames.SEC_WEBSOCKET_KEY)) {
                // Netty's handshaker would fail and Reactor Netty close without a word: say what is wrong.
                refusing = true;
                ReferenceCountUtil.release(msg);
                badRequest(ctx, "missing Sec-WebSocket-Key\n");
                return;
            }
            if (!req.headers().contains(HttpHeaderNames.SEC_WEBSOCKET_VERSION)) {
                req.headers().set(HttpHeaderNames.SEC_WEBSOCKET_VERSION, "13");
                // webrepl_cli's handshake (spec §1.2): its REPL freezes on a control frame (issue #16).
                ctx.channel().attr(CLI_HANDSHAKE).set(Boolean.TRUE);
            }
        }
        ctx.fireChannelRead(msg);
    }

    private static void badRequest(ChannelHandlerContext ctx, String reason) {
        FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.BAD_REQUEST,
                Unpooled.copiedBuffer(reason, StandardCharsets.US_ASCII));
        res.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8")
                .set(HttpHeaderNames.CONTENT_LENGTH, res.content().readableBytes())
                .set(HttpHeaderNames.CACHE_CONTROL, "no-store")
                .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        ctx.writeAndFlush(res).addListener(ChannelFutureListener.CLOSE);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof HttpResponse res && res.status().code() == HttpResponseStatus.SWITCHING_PROTOCOLS.code()) {
            // The handshaker has added its decoder and not decoded a byte yet: we run on the event loop
            // inside the same writeAndFlush, so no read can come between its install and our swap.
            if (ctx.pipeline().get(NETTY_WS_DECODER) != null) {
                ctx.pipeline().replace(NETTY_WS_DECODER, NETTY_WS_DECODER, new FrameDecoder(
                        WebSocketDecoderConfig.newBuilder()
                                .expectMaskedFrames(true)
                                .allowMaskMismatch(true)
                                .maxFramePayloadLength(maxFramePayloadLength)
                                // ControlFrames answers violations: Netty's own answer is a bare TCP
                                // close once it has seen a close opcode (an invalid close code).
                                .closeOnProtocolViolation(false)
                                .build()));
                ctx.pipeline().addAfter(NETTY_WS_DECODER, ControlFrames.NAME, new ControlFrames());
            }
            canonicalHeaders(res.headers());
            ctx.write(msg, promise);
            ctx.pipeline().remove(this);
            return;
        }
        ctx.write(msg, promise);
    }

    /**
     * Leaves a close frame's code to {@link ControlFrames}, which answers every code a client may not
     * send with 1002 and a reason; Netty checks only some of them, and closes without a word.
     */
    private static final class FrameDecoder extends WebSocket13FrameDecoder {
        FrameDecoder(WebSocketDecoderConfig config) {
            super(config);
        }

        @Override
        protected void checkCloseFrameBody(ChannelHandlerContext ctx, ByteBuf body) {
            if (body != null && body.readableBytes() >= 2
                    && !ControlFrames.allowedCode(body.getUnsignedShort(body.readerIndex()))) {
                return;
            }
            super.checkCloseFrameBody(ctx, body);
        }
    }

    private static void canonicalHeaders(HttpHeaders headers) {
        String accept = headers.get(HttpHeaderNames.SEC_WEBSOCKET_ACCEPT);
        headers.remove(HttpHeaderNames.UPGRADE);
        headers.remove(HttpHeaderNames.CONNECTION);
        headers.remove(HttpHeaderNames.SEC_WEBSOCKET_ACCEPT);
        headers.add("Upgrade", "websocket");
        headers.add("Connection", "Upgrade");
        if (accept != null) {
            headers.add("Sec-WebSocket-Accept", accept);
        }
    }
}
