package dev.webrepl.core.files;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * An upload in progress, written to a file beside the target (a legacy PUT) or to a partial under
 * {@code .webrepl/partial/} (a resumable PUT, PROTOCOL.md §6). {@link #commit()} renames it into place;
 * {@link #abort()} deletes a temporary file but keeps a partial, flushed, for the next attempt.
 * The caller owns it and ends it with one of the two in every path.
 */
public final class Upload implements AutoCloseable {
    private final Path temp;
    private final Path target;
    private final String name;
    private final FileChannel channel;
    private final long have;
    private final boolean keepOnAbort;
    private final Runnable release;
    private final FileStore.Disk disk;
    private long written;
    private boolean finished;

    /**
     * @param channel     open on {@code temp}, positioned at {@code have}; owned from here on
     * @param keepOnAbort true for a partial, which outlives the connection
     * @param release     run once when the upload ends either way
     */
    Upload(Path temp, Path target, String name, FileChannel channel, long have, boolean keepOnAbort,
           Runnable release, FileStore.Disk disk) {
        this.disk = disk;
        this.temp = temp;
        this.target = target;
        this.name = name;
        this.channel = channel;
        this.have = have;
        this.keepOnAbort = keepOnAbort;
        this.release = release;
    }

    public void write(byte[] bytes, int off, int len) throws FileStoreException {
        ByteBuffer buf = ByteBuffer.wrap(bytes, off, len);
        try {
            while (buf.hasRemaining()) {
                written += disk.write(channel, buf);
            }
        } catch (IOException e) {
            throw FileStoreException.of(e, name);
        }
    }

    /** The bytes written through this object (this request's share of the file). */
    public long written() {
        return written;
    }

    /** The bytes the file held before this request wrote any: 0, or what a partial kept. */
    public long have() {
        return have;
    }

    /** Flushes the data to disk and atomically replaces the target with it. */
    public void commit() throws FileStoreException {
        try {
            channel.force(true);
            channel.close();
            try {
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                // The target's directory is on another file system than .webrepl/partial (a mount
                // inside the root): copy beside the target first, so the replace is still atomic.
                moveViaCopy();
            }
            finished = true;
            release.run();
        } catch (IOException e) {
            abort();
            throw FileStoreException.of(e, name);
        }
    }

    private void moveViaCopy() throws IOException {
        Path copy = Files.createTempFile(target.getParent(), FileStore.TEMP_PREFIX, FileStore.TEMP_SUFFIX);
        try {
            Files.copy(temp, copy, StandardCopyOption.REPLACE_EXISTING);
            try (FileChannel c = FileChannel.open(copy, StandardOpenOption.WRITE)) {
                c.force(true);
            }
            Files.move(copy, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            Files.delete(temp);
        } finally {
            Files.deleteIfExists(copy);
        }
    }

    /** Ends the upload without touching the target: a partial is flushed and kept, a temporary file deleted. Idempotent. */
    public void abort() {
        if (finished) {
            return;
        }
        finished = true;
        try {
            if (keepOnAbort && channel.isOpen()) {
                // What arrived before the drop is what the next resumable PUT continues from (§6).
                channel.force(true);
            }
        } catch (IOException ignored) {
            // the bytes may still be in the page cache; the next PUT reads the length that is there
        }
        try {
            channel.close();
        } catch (IOException ignored) {
            // closing a file we only wrote to cannot lose anything we still need
        }
        try {
            if (!keepOnAbort) {
                Files.deleteIfExists(temp);
            }
        } catch (IOException ignored) {
            // nothing else to do: the name is unique and prefixed, so it misleads nobody
        } finally {
            release.run();
        }
    }

    @Override
    public void close() {
        abort();
    }
}
