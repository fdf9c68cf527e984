package dev.webrepl.core.files;

import com.sun.jna.LastErrorException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Set;

/**
 * An upload in progress, written to a temporary file in the target's directory (a legacy PUT) or to
 * a partial under {@code .webrepl/partial/} (a resumable PUT, PROTOCOL.md §6). It holds the target's
 * directory open by fd: {@link #commit()} renames into that directory and {@link #abort()} deletes
 * the temporary file there, wherever the directory has been renamed to meanwhile (issue #15.8).
 * A replaced file keeps its mode; a new one gets 0666 less the umask. A partial is kept, flushed, on
 * abort for the next attempt. The caller owns it and ends it with one of the two in every path.
 */
public final class Upload implements AutoCloseable {
    private final Beneath beneath;
    private final Beneath.Fd dir;
    private final String target;
    /** The legacy temporary file: its name in {@link #dir} and its fd; null for a partial. */
    private final String tempName;
    private final Beneath.Fd tempFd;
    /** The partial: its directory (the root's .webrepl/partial), its name there and its fd; null for a legacy upload. */
    private final Beneath.Fd partialDir;
    private final String partialName;
    private final Beneath.Fd partialFd;
    private final String name;
    private final FileChannel channel;
    private final long have;
    private final Runnable release;
    private final FileStore.Disk disk;
    private long written;
    private boolean finished;

    private Upload(Beneath beneath, Beneath.Fd dir, String target, String tempName, Beneath.Fd tempFd,
                   Beneath.Fd partialDir, String partialName, Beneath.Fd partialFd,
                   String name, FileChannel channel, long have, Runnable release, FileStore.Disk disk) {
        this.beneath = beneath;
        this.dir = dir;
        this.target = target;
        this.tempName = tempName;
        this.tempFd = tempFd;
        this.partialDir = partialDir;
        this.partialName = partialName;
        this.partialFd = partialFd;
        this.name = name;
        this.channel = channel;
        this.have = have;
        this.release = release;
        this.disk = disk;
    }

    /**
     * A legacy upload into a new temporary file in {@code dir}, which it owns from here on (closed
     * even when this fails).
     */
    static Upload legacy(Beneath beneath, Beneath.Fd dir, String target, String name, FileStore.Disk disk)
            throws FileStoreException {
        StringBuilder tempName = new StringBuilder();
        Beneath.Fd tempFd = null;
        try {
            tempFd = FileStore.createTemp(beneath, dir, tempName);
            FileChannel channel = FileChannel.open(tempFd.path(), StandardOpenOption.WRITE);
            return new Upload(beneath, dir, target, tempName.toString(), tempFd, null, null, null, name, channel, 0,
                    () -> { }, disk);
        } catch (LastErrorException | IOException e) {
            if (tempFd != null) {
                tempFd.close();
                unlinkQuietly(beneath, dir, tempName.toString());
            }
            dir.close();
            throw e instanceof LastErrorException le ? Beneath.failure(le, StoreName.printable(name))
                    : FileStoreException.of((IOException) e, StoreName.printable(name));
        }
    }

    /**
     * A resumable upload into the partial {@code partialName} of {@code partialDir}, open as {@code partialFd}
     * and {@code channel} at {@code have}; owns both directories, the fd and the channel.
     */
    static Upload resumable(Beneath beneath, Beneath.Fd dir, String target, Beneath.Fd partialDir, String partialName,
                            Beneath.Fd partialFd, String name, FileChannel channel, long have, Runnable release,
                            FileStore.Disk disk) {
        return new Upload(beneath, dir, target, null, null, partialDir, partialName, partialFd, name, channel, have,
                release, disk);
    }

    /** This upload, with {@code more} run after its own release when it ends (committed or aborted). */
    Upload alsoOnEnd(Runnable more) {
        Runnable own = release;
        return new Upload(beneath, dir, target, tempName, tempFd, partialDir, partialName, partialFd, name, channel,
                have, () -> {
                    try {
                        own.run();
                    } finally {
                        more.run();
                    }
                }, disk);
    }

    /** PUT replaces a regular file or creates one: a directory is 21, a link, FIFO, device or socket 13. */
    static void checkReplaceable(BasicFileAttributes existing, String name) throws FileStoreException {
        if (existing == null || existing.isRegularFile()) {
            return;
        }
        if (existing.isDirectory()) {
            throw new FileStoreException(FileStatus.IS_A_DIRECTORY, "is a directory: " + StoreName.printable(name));
        }
        throw new FileStoreException(FileStatus.PERMISSION_DENIED, (existing.isSymbolicLink()
                ? "a link is never written through or replaced by PUT: " : "not a regular file: ") + StoreName.printable(name));
    }

    public void write(byte[] bytes, int off, int len) throws FileStoreException {
        ByteBuffer buf = ByteBuffer.wrap(bytes, off, len);
        try {
            while (buf.hasRemaining()) {
                written += disk.write(channel, buf);
            }
        } catch (IOException e) {
            throw FileStoreException.of(e, StoreName.printable(name));
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

    /**
     * Flushes the data to disk and atomically replaces the target with it, keeping the mode of the
     * file it replaces; refused (and aborted) if the target has become something PUT does not replace.
     */
    public void commit() throws FileStoreException {
        if (finished) {
            throw new FileStoreException(FileStatus.IO_ERROR, "upload already ended: " + StoreName.printable(name));
        }
        try {
            channel.force(true);
            Set<PosixFilePermission> mode = existingMode();
            if (tempFd != null) {
                if (mode != null) {
                    beneath.fchmod(tempFd, modeBits(mode));
                }
                channel.close();
                beneath.rename(dir.fd(), tempName, dir, target);
            } else {
                if (mode != null) {
                    beneath.fchmod(partialFd, modeBits(mode));
                }
                channel.close();
                try {
                    beneath.rename(partialDir.fd(), partialName, dir, target);
                } catch (LastErrorException e) {
                    if (e.getErrorCode() != Beneath.EXDEV) {
                        throw e;
                    }
                    // The target's directory is on another file system than .webrepl/partial (a mount
                    // inside the root): copy beside the target first, so the replace is still atomic.
                    moveViaCopy(mode);
                }
            }
            finished = true;
            closeFds();
            release.run();
        } catch (LastErrorException e) {
            abort();
            throw Beneath.failure(e, StoreName.printable(name));
        } catch (IOException e) {
            abort();
            throw FileStoreException.of(e, StoreName.printable(name));
        } catch (FileStoreException e) {
            abort();
            throw e;
        }
    }

    /** The mode of the regular file being replaced, null if there is none; refuses anything else. */
    private Set<PosixFilePermission> existingMode() throws IOException, FileStoreException {
        try {
            PosixFileAttributes a = Files.readAttributes(dir.child(target), PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            checkReplaceable(a, name);
            return a.permissions();
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    private static int modeBits(Set<PosixFilePermission> mode) {
        int bits = 0;
        for (PosixFilePermission p : mode) {
            bits |= 1 << (8 - p.ordinal());  // OWNER_READ (0) is 0400 ... OTHERS_EXECUTE (8) is 0001
        }
        return bits;
    }

    private void moveViaCopy(Set<PosixFilePermission> mode) throws IOException, LastErrorException {
        StringBuilder copyName = new StringBuilder();
        try (Beneath.Fd copyFd = FileStore.createTemp(beneath, dir, copyName)) {
            boolean moved = false;
            try {
                try (FileChannel from = FileChannel.open(partialFd.path(), StandardOpenOption.READ);
                     FileChannel to = FileChannel.open(copyFd.path(), StandardOpenOption.WRITE)) {
                    long size = from.size();
                    for (long done = 0; done < size; ) {
                        done += to.transferFrom(from, done, size - done);
                    }
                    to.force(true);
                }
                if (mode != null) {
                    beneath.fchmod(copyFd, modeBits(mode));
                }
                beneath.rename(dir.fd(), copyName.toString(), dir, target);
                moved = true;
                unlinkQuietly(beneath, partialDir, partialName);
            } finally {
                if (!moved) {
                    unlinkQuietly(beneath, dir, copyName.toString());
                }
            }
        }
    }

    /** Ends the upload without touching the target: a partial is flushed and kept, a temporary file deleted. Idempotent. */
    public void abort() {
        if (finished) {
            return;
        }
        finished = true;
        try {
            if (partialFd != null && channel.isOpen()) {
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
        if (tempName != null) {
            // Relative to the directory fd held since the start: found even if the directory moved.
            unlinkQuietly(beneath, dir, tempName);
        }
        closeFds();
        release.run();
    }

    private void closeFds() {
        if (tempFd != null) {
            tempFd.close();
        }
        if (partialFd != null) {
            partialFd.close();
            partialDir.close();
        }
        dir.close();
    }

    private static void unlinkQuietly(Beneath beneath, Beneath.Fd dir, String temp) {
        try {
            beneath.unlink(dir, temp, 0);
        } catch (LastErrorException ignored) {
            // already gone (ENOENT) or the directory refuses it: the name is unique and prefixed
        }
    }

    @Override
    public void close() {
        abort();
    }
}
