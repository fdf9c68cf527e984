package dev.webrepl.core.files;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ReadableByteChannel;

/**
 * Bytes a GET sends in chunks (spec §4.4): a file from an offset, or an encoded LIST (PROTOCOL.md §4),
 * which goes out exactly as a file does. The caller owns it and closes it in every path.
 */
public final class Download implements AutoCloseable {
    private final ReadableByteChannel channel;
    private final String name;

    Download(ReadableByteChannel channel, String name) {
        this.channel = channel;
        this.name = name;
    }

    /** A download of {@code bytes} (held, not copied), for replies built in memory. */
    public static Download of(byte[] bytes, String name) {
        return new Download(Channels.newChannel(new ByteArrayInputStream(bytes)), name);
    }

    /** Reads up to {@code len} bytes, as many as there are; returns 0 at the end. */
    public int read(byte[] bytes, int off, int len) throws FileStoreException {
        ByteBuffer buf = ByteBuffer.wrap(bytes, off, len);
        try {
            while (buf.hasRemaining()) {
                if (channel.read(buf) < 0) {
                    break;
                }
            }
        } catch (IOException e) {
            throw FileStoreException.of(e, name);
        }
        return buf.position() - off;
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException ignored) {
            // read-only channel: nothing can be lost by a failed close
        }
    }
}
