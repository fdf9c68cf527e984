package dev.webrepl.transport.client;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;

/** What a {@link FileOperation} may do with its connection. Event loop only. */
interface FileLink {
    Channel channel();

    WireMode mode();

    /** PUT payload bytes per binary frame. */
    int putFrameSize();

    /** Writes one binary frame holding {@code payload} (ownership passes) without flushing. */
    ChannelFuture writeBinary(ByteBuf payload);

    /** The operation has completed (either way); the next one may start. */
    void finished(FileOperation op);

    /**
     * The reply stream is out of step (a malformed reply, a half-sent PUT): fails the current
     * operation with {@code cause}, the queued ones as lost, and closes the connection.
     */
    void breakConnection(Throwable cause);
}
