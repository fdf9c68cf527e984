package dev.webrepl.transport.client;

import dev.webrepl.core.protocol.FileRequest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import java.util.concurrent.CompletableFuture;

/**
 * ACK, our extension (PROTOCOL.md §9): rendered output bytes, never answered. It still takes its
 * turn on the file channel, because a record sent in the middle of a PUT or GET would be read as data
 * or acks of that transfer.
 */
final class AckRequest implements FileOperation {
    private static final long MAX_PER_RECORD = 0xFFFF_FFFFL;
    private final long bytes;
    private final CompletableFuture<Void> result;

    AckRequest(long bytes, CompletableFuture<Void> result) {
        this.bytes = bytes;
        this.result = result;
    }

    @Override
    public void start(FileLink link) {
        // The size field is a u32: a larger count goes as several ACKs, which add up (§9).
        long left = bytes;
        ChannelFuture last;
        do {
            long n = Math.min(left, MAX_PER_RECORD);
            last = link.writeBinary(Unpooled.wrappedBuffer(FileRequest.ack(n).encode()));
            left -= n;
        } while (left > 0);
        link.channel().flush();
        last.addListener(f -> {
            if (f.isSuccess()) {
                result.complete(null);
            } else {
                result.completeExceptionally(new ConnectionLostException("cannot send an ACK", f.cause()));
            }
        });
        link.finished(this);
    }

    @Override
    public void onReply(ByteBuf in) {
        // Never current when a reply arrives: it finished as it started.
    }

    @Override
    public void abort(Throwable cause) {
        result.completeExceptionally(cause);
    }
}
