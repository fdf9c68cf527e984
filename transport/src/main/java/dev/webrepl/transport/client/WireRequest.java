package dev.webrepl.transport.client;

import dev.webrepl.core.protocol.FileRequest;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A request as it goes on the wire: the 82-byte record, then the bytes that follow it on the binary
 * stream (PROTOCOL.md §1): a long name (§2) and RENAME's destination (§5), each its own frame.
 *
 * <p>A name of at most 63 bytes goes in the record's field, exactly as the legacy clients send it;
 * a longer one (up to {@value FileRequest#MAX_LONG_NAME} bytes) sets {@code LONG_NAME}, puts its
 * length in {@code fname_len}, leaves the field zero and follows the record.
 */
record WireRequest(byte[] record, byte[][] trailers) {
    /** A record with nothing after it (RESIZE, FLOW, ...). */
    static WireRequest of(FileRequest request) {
        return new WireRequest(request.encode(), new byte[0][]);
    }

    static WireRequest of(int type, int flags, long offset, long size, String name) {
        byte[] utf8 = name.getBytes(StandardCharsets.UTF_8);
        checkSize(size);
        if (utf8.length <= FileRequest.MAX_NAME_BYTES) {
            return new WireRequest(new FileRequest(type, flags, offset, size, utf8.length,
                    Arrays.copyOf(utf8, FileRequest.NAME_FIELD)).encode(), new byte[0][]);
        }
        checkLongName(utf8, "name");
        return new WireRequest(new FileRequest(type, flags | FileRequest.FLAG_LONG_NAME, offset, size, utf8.length,
                new byte[FileRequest.NAME_FIELD]).encode(), new byte[][] {utf8});
    }

    /** RENAME: the source as any name, the destination's length in {@code size} and its bytes last (§5). */
    static WireRequest rename(String from, String to) {
        byte[] destination = to.getBytes(StandardCharsets.UTF_8);
        if (destination.length == 0) {
            throw new IllegalArgumentException("empty destination name");
        }
        checkLongName(destination, "destination name");
        WireRequest source = of(FileRequest.RENAME, 0, 0, destination.length, from);
        byte[][] trailers = Arrays.copyOf(source.trailers, source.trailers.length + 1);
        trailers[source.trailers.length] = destination;
        return new WireRequest(source.record, trailers);
    }

    /** Whether the name did not fit the record's field. */
    boolean longName() {
        return (record[3] & FileRequest.FLAG_LONG_NAME) != 0;
    }

    /** Writes the trailing frames (the record is the caller's, as PUT splits it in legacy mode); no flush. */
    void writeTrailers(FileLink link) {
        for (byte[] t : trailers) {
            link.writeBinary(Unpooled.wrappedBuffer(t));
        }
    }

    /** Writes the record and the trailing frames and flushes. */
    void send(FileLink link) {
        link.writeBinary(Unpooled.wrappedBuffer(record));
        writeTrailers(link);
        link.channel().flush();
    }

    private static void checkSize(long size) {
        if (size < 0 || size > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException("size " + size + " does not fit the header's u32 field");
        }
    }

    private static void checkLongName(byte[] utf8, String what) {
        if (utf8.length > FileRequest.MAX_LONG_NAME) {
            throw new IllegalArgumentException(what + " is " + utf8.length + " bytes in UTF-8; the protocol allows "
                    + FileRequest.MAX_LONG_NAME);
        }
    }
}
