package dev.webrepl.transport.client;

import dev.webrepl.core.files.FileStatus;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

/**
 * A GET reply (spec §4.4), which LIST shares (PROTOCOL.md §4): {@code WB} + status; on 0, one ack
 * byte per {@code <u16 LE n><n bytes>} chunk until n = 0, then the final {@code WB} without another
 * ack.
 */
final class ChunkedReply {
    /** webrepl_cli acks with one zero byte; the reference accepts any value (spec §4.4 step 3). */
    private static final byte[] ACK = {0};

    /** Takes chunk bytes as they arrive. */
    @FunctionalInterface
    interface Sink {
        /** Must consume exactly {@code n} bytes of {@code in}. */
        void accept(ByteBuf in, int n);
    }

    private enum State { AWAIT_ACCEPT, AWAIT_LENGTH, CHUNK, AWAIT_RESULT, DONE }

    private final Runnable accepted;
    private final Sink sink;
    private State state = State.AWAIT_ACCEPT;
    private int chunkLeft;

    /** @param accepted runs on the first {@code WB 00 00}, before the first ack */
    ChunkedReply(Runnable accepted, Sink sink) {
        this.accepted = accepted;
        this.sink = sink;
    }

    ChunkedReply(Sink sink) {
        this(() -> { }, sink);
    }

    /**
     * Consumes what it can, acking on {@code link}: returns the status that ends the reply (the first
     * if it is not 0, else the final one) once it has been read, {@link Replies#INCOMPLETE} while more
     * is expected.
     *
     * @throws IllegalStateException if a status reply is not a {@code WB} status
     */
    int read(ByteBuf in, FileLink link) {
        while (in.isReadable()) {
            switch (state) {
                case AWAIT_ACCEPT -> {
                    int code = Replies.status(in);
                    if (code != FileStatus.OK.code()) {
                        return ended(code);
                    }
                    state = State.AWAIT_LENGTH;
                    accepted.run();
                    ack(link);
                }
                case AWAIT_LENGTH -> {
                    if (in.readableBytes() < 2) {
                        return Replies.INCOMPLETE;
                    }
                    chunkLeft = in.readUnsignedShortLE();
                    state = chunkLeft == 0 ? State.AWAIT_RESULT : State.CHUNK;
                }
                case CHUNK -> {
                    int n = Math.min(chunkLeft, in.readableBytes());
                    sink.accept(in, n);
                    chunkLeft -= n;
                    if (chunkLeft == 0) {
                        state = State.AWAIT_LENGTH;
                        ack(link);
                    }
                }
                case AWAIT_RESULT -> {
                    return ended(Replies.status(in));
                }
                case DONE -> throw new IllegalStateException("chunked reply read in state " + state);
            }
        }
        return Replies.INCOMPLETE;
    }

    private int ended(int code) {
        if (code != Replies.INCOMPLETE) {
            state = State.DONE;
        }
        return code;
    }

    private static void ack(FileLink link) {
        link.writeBinary(Unpooled.wrappedBuffer(ACK));
        link.channel().flush();
    }
}
