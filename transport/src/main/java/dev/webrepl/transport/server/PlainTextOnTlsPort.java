package dev.webrepl.transport.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SslHandler;
import java.nio.charset.StandardCharsets;

/**
 * On a TLS port, ahead of the SslHandler: a client that speaks plain HTTP (a ws:// client, webrepl_cli,
 * a browser with http://) gets a plain-text {@code 400} that says what to do, instead of a silent
 * close (issue 17 item 10), as nginx answers a plain request on an HTTPS port. Decided on the first
 * five bytes (a TLS record header); then it leaves the pipeline. The answer carries
 * {@code X-Webrepl-Error: tls-required} so that our own client can say it in its words
 * ({@code WebReplClient.tlsRequired}).
 */
final class PlainTextOnTlsPort extends ChannelInboundHandlerAdapter {
    static final String NAME = "webrepl.plainTextOnTlsPort";
    static final String ERROR_HEADER = "X-Webrepl-Error";
    static final String TLS_REQUIRED = "tls-required";
    private static final String BODY = "this server speaks TLS: use wss:// (or https://, --tls)\n";
    private static final byte[] ANSWER = ("HTTP/1.1 400 Bad Request\r\n"
            + "Content-Type: text/plain; charset=utf-8\r\n"
            + ERROR_HEADER + ": " + TLS_REQUIRED + "\r\n"
            + "Connection: close\r\n"
            + "Content-Length: " + BODY.length() + "\r\n\r\n" + BODY).getBytes(StandardCharsets.US_ASCII);

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf in) || in.readableBytes() < 5) {
            // Fewer than a record header's bytes: the SslHandler waits for more, and so would we;
            // it is left to decide (a real TLS client sends a whole ClientHello at once).
            ctx.pipeline().remove(this);
            ctx.fireChannelRead(msg);
            return;
        }
        if (SslHandler.isEncrypted(in) || !startsWithAsciiLetters(in)) {
            ctx.pipeline().remove(this);
            ctx.fireChannelRead(msg);
            return;
        }
        in.release();
        // Written from here, before the SslHandler: the bytes go out in clear, as the client speaks.
        ctx.writeAndFlush(Unpooled.wrappedBuffer(ANSWER)).addListener(ChannelFutureListener.CLOSE);
    }

    /** An HTTP method ("GET ") starts with capital letters; a TLS record with a content type byte 20..24. */
    private static boolean startsWithAsciiLetters(ByteBuf in) {
        for (int i = 0; i < 3; i++) {
            byte b = in.getByte(in.readerIndex() + i);
            if (b < 'A' || b > 'Z') {
                return false;
            }
        }
        return true;
    }
}
