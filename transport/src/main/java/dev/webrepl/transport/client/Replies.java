package dev.webrepl.transport.client;

import io.netty.buffer.ByteBuf;

/**
 * Reading replies of the file channel. Binary frames are treated as one byte stream, as webrepl_cli
 * does (spec §4.8), so a reply split over frames or several replies in one frame both work.
 */
final class Replies {
    /** Returned while fewer than the needed bytes have arrived. */
    static final int INCOMPLETE = -1;

    private Replies() {
    }

    /**
     * The code of a {@code WB <u16 LE>} status (spec §4.2), or {@link #INCOMPLETE}.
     *
     * @throws IllegalStateException if the four bytes are not a status reply
     */
    static int status(ByteBuf in) {
        if (in.readableBytes() < 4) {
            return INCOMPLETE;
        }
        int idx = in.readerIndex();
        if (in.getByte(idx) != 'W' || in.getByte(idx + 1) != 'B') {
            throw new IllegalStateException(String.format("expected a WB status reply, got %02x %02x",
                    in.getByte(idx), in.getByte(idx + 1)));
        }
        in.skipBytes(2);
        return in.readUnsignedShortLE();
    }
}
