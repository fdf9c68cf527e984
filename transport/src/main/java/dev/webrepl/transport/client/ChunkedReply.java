package dev.webrepl.transport.client;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

/**
 * The body of a GET reply after its first {@code WB} (spec §4.4), which LIST shares (PROTOCOL.md §4):
 * one ack byte per {@code <u16 LE n><n bytes>} chunk until n = 0, then the final {@code WB} without
 * another ack.
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

    private enum State { IDLE, AWAIT_LENGTH, CHUNK, AWAIT_RESULT, DONE }

    private final FileLink link;
    private final Sink sink;
    private State state = State.IDLE;
    private int chunkLeft;

    ChunkedReply(FileLink link, Sink sink) {
        this.link = link;
        this.sink = sink;
    }

    /** Asks for the first chunk; call once the first {@code WB 00 00} has been read. */
    void begin() {
        state = State.AWAIT_LENGTH;
        ack();
    }

    /**
     * Consumes what it can: returns the final status once it has been read, {@link Replies#INCOMPLETE}
     * while more is expected.
     *
     * @throws IllegalStateException if the final reply is not a {@code WB} status
     */
    int read(ByteBuf in) {
        while (in.isReadable()) {
            switch (state) {
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
                        ack();
                    }
                }
                case AWAIT_RESULT -> {
                    int code = Replies.status(in);
                    if (code != Replies.INCOMPLETE) {
                        state = State.DONE;
                    }
                    return code;
                }
                case IDLE, DONE -> throw new IllegalStateException("chunked reply read in state " + state);
            }
        }
        return Replies.INCOMPLETE;
    }

    private void ack() {
        link.writeBinary(Unpooled.wrappedBuffer(ACK));
        link.channel().flush();
    }
}
