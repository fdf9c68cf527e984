package dev.webrepl.transport.server;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;

/**
 * Keeps bytes that arrive after the first HTTP request head, in the same read or later, away from the
 * HTTP codec until the response to that request has been written (spec §1.4 point 7, §7).
 *
 * <p>Why: a client may send its first frames right behind the upgrade request. Netty's HTTP decoder
 * would read them as the start of a next request (it skips 0x82 as a control character) and hand
 * the rest past the WebSocket decoder when it is removed, corrupting the stream (findings Q6). Held
 * here, in front of the codec, they are released once the 101 is on its way; by then the
 * handshaker has installed its frame decoder in front of the codec, so they are decoded as frames.
 * For a plain HTTP request the held bytes go to the codec as usual. After the first response this
 * handler leaves the pipeline.
 *
 * <p>Buffer ownership: every buffer read here is either passed on (ownership moves) or held in
 * {@link #held} and released when passed on or when the channel goes away.
 */
final class EarlyBytesHolder extends ChannelDuplexHandler {
    static final String NAME = "webrepl.earlyBytes";

    private enum State { HEAD, HOLDING }

    private final ArrayDeque<ByteBuf> held = new ArrayDeque<>();
    private State state = State.HEAD;
    /** Progress towards the blank line that ends the head: 0 none, 1 after LF, 2 after LF CR. */
    private int blankLine;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf buf)) {
            ctx.fireChannelRead(msg);
            return;
        }
        if (state == State.HOLDING) {
            held.add(buf);
            return;
        }
        int end = endOfHead(buf);
        if (end < 0) {
            ctx.fireChannelRead(buf);
            return;
        }
        state = State.HOLDING;
        if (end < buf.writerIndex()) {
            held.add(buf.retainedSlice(end, buf.writerIndex() - end));
            buf.writerIndex(end);
        }
        ctx.fireChannelRead(buf);
    }

    /** The index just past the head's blank line in {@code buf}, or -1 if it is not in there. */
    private int endOfHead(ByteBuf buf) {
        for (int i = buf.readerIndex(); i < buf.writerIndex(); i++) {
            byte b = buf.getByte(i);
            if (b == '\n') {
                if (blankLine > 0) {
                    return i + 1;
                }
                blankLine = 1;
            } else if (b == '\r' && blankLine == 1) {
                blankLine = 2;
            } else {
                blankLine = 0;
            }
        }
        return -1;
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (state == State.HOLDING) {
            // The first bytes of the response: release once they are written, one task later, so the
            // handshaker's own write listener (which finishes the upgrade) has run first.
            ctx.write(msg, promise.unvoid()).addListener(f -> ctx.executor().execute(() -> release(ctx)));
            state = State.HEAD;
            return;
        }
        ctx.write(msg, promise);
    }

    private void release(ChannelHandlerContext ctx) {
        if (ctx.isRemoved()) {
            return;
        }
        ctx.pipeline().remove(this);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        boolean any = !held.isEmpty();
        while (!held.isEmpty()) {
            ByteBuf b = held.poll();
            if (ctx.channel().isActive()) {
                ctx.fireChannelRead(b);
            } else {
                ReferenceCountUtil.release(b);
            }
        }
        if (any && ctx.channel().isActive()) {
            ctx.fireChannelReadComplete();
        }
    }
}
