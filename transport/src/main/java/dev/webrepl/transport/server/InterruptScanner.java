package dev.webrepl.transport.server;

import dev.webrepl.core.protocol.Opcode;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.util.function.LongConsumer;

/**
 * Sees every WebSocket frame as it is decoded, before Reactor Netty queues it for the connection,
 * and reports Ctrl-C (0x03) in terminal input at once (DESIGN "Sessions and terminals": Ctrl-C
 * reaches the engine out of band, even while earlier input is still queued).
 *
 * <p>Text frames are numbered from 0 exactly as {@code WebReplConnection} numbers them (a
 * continuation takes the type of the frame before it), so the session can drop the input that came
 * before the interrupt. Installed with the channel, so no frame is missed; frames pass on unchanged.
 */
final class InterruptScanner extends ChannelInboundHandlerAdapter {
    static final String NAME = "webrepl.interrupts";
    private static final LongConsumer NONE = seq -> { };

    private long textFrames;
    private boolean lastWasText;
    private volatile LongConsumer onInterrupt = NONE;

    /** Where interrupts go once the connection has a terminal; before that they are in-band input. */
    void onInterrupt(LongConsumer callback) {
        onInterrupt = callback == null ? NONE : callback;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        Opcode opcode = DataFrames.opcode(msg);
        if (opcode == null) {
            ctx.fireChannelRead(msg);
            return;
        }
        boolean text = opcode == Opcode.CONTINUATION ? lastWasText : opcode == Opcode.TEXT;
        lastWasText = text;
        if (text) {
            long seq = textFrames++;
            ByteBuf content = ((io.netty.buffer.ByteBufHolder) msg).content();
            if (content.indexOf(content.readerIndex(), content.writerIndex(), (byte) 0x03) >= 0) {
                onInterrupt.accept(seq);
            }
        }
        ctx.fireChannelRead(msg);
    }
}
