package dev.webrepl.transport.client;

import io.netty.buffer.ByteBuf;

/**
 * One request on the file channel and the replies it expects (spec §4). The channel carries one
 * request at a time; every method runs on the connection's event loop.
 */
sealed interface FileOperation permits VersionRequest, AckRequest, FileExchange {
    /** Sends the request; a local failure (missing file, bad name) fails the operation before any byte is sent. */
    void start(FileLink link);

    /**
     * Consumes as many reply bytes as it can use; returns when it needs more or has finished. Called
     * at least once per binary frame that arrives, an empty frame too (FEATURES' list is one whole
     * frame, PROTOCOL.md §3), so {@code in} may be empty.
     */
    void onReply(ByteBuf in);

    /** The channel has room again (Netty writability); a PUT sends more data. */
    default void onWritable() {
    }

    /** The connection is gone: release local resources and fail. */
    void abort(Throwable cause);
}
