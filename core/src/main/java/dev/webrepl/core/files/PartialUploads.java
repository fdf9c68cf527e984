package dev.webrepl.core.files;

import com.sun.jna.LastErrorException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The partials of resumable PUTs (PROTOCOL.md §6): one file per (name, size) in
 * {@code root/.webrepl/partial/}, named by a hash of both, so the same upload finds its bytes again
 * from any connection. A partial being written by one connection is refused to the others.
 *
 * <p>The directory is the server's, but a program in the root (the process engine's working
 * directory) can write there too: it is reached from the root one component at a time without
 * following a link, and every partial is opened, removed and renamed relative to it, never by path
 * (README "Security": a link there is never followed).
 */
final class PartialUploads {
    static final Duration MAX_AGE = Duration.ofHours(24);
    static final String SUFFIX = ".part";
    private static final String DIRECTORY = "partial";

    private final Beneath beneath;
    private final Path root;
    private final Clock clock;
    private final FileStore.UsableSpace usableSpace;
    private final FileStore.Disk disk;
    /** Names of partials being written, or being looked at by a sweep. */
    private final Set<String> busy = ConcurrentHashMap.newKeySet();

    PartialUploads(Beneath beneath, Path root, Clock clock, FileStore.UsableSpace usableSpace, FileStore.Disk disk) {
        this.beneath = beneath;
        this.root = root;
        this.clock = clock;
        this.usableSpace = usableSpace;
        this.disk = disk;
    }

    /** The file name of the partial of {@code key} (the target relative to the root) and {@code size}. */
    static String nameOf(String key, long size) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256")
                    .digest((key + '\0' + size).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 16) + SUFFIX;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    /** {@code root/.webrepl/partial}, made if missing, each component opened without following a link; the caller closes it. */
    private Beneath.Fd openDirectory() throws LastErrorException {
        Beneath.Fd dir = beneath.openTrustedDirectory(root);
        try {
            for (String part : new String[] {FileStore.RESERVED, DIRECTORY}) {
                try {
                    beneath.mkdir(dir, part, 0700);
                } catch (LastErrorException e) {
                    if (e.getErrorCode() != Beneath.EEXIST) {
                        throw e;
                    }
                }
                Beneath.Fd next = beneath.openDirectory(dir, part);
                dir.close();
                dir = next;
            }
            Beneath.Fd opened = dir;
            dir = null;
            return opened;
        } finally {
            if (dir != null) {
                dir.close();
            }
        }
    }

    /**
     * Opens the partial for writing from {@code offset}, or from its end when {@code offset} is 0
     * (PROTOCOL.md §6): an offset cuts the partial there, and one past its length is refused with 22.
     * The upload commits to {@code target} in {@code targetDir}, which it owns once returned (the
     * caller still owns it if this fails).
     */
    Upload open(String key, long size, long offset, Beneath.Fd targetDir, String target, String name)
            throws FileStoreException {
        String partial = nameOf(key, size);
        if (!busy.add(partial)) {
            throw new FileStoreException(FileStatus.BUSY, "another connection is writing this upload: " + StoreName.printable(name));
        }
        Beneath.Fd dir = null;
        Beneath.Fd file = null;
        FileChannel channel = null;
        boolean handedOver = false;
        try {
            dir = openDirectory();
            sweep(dir);
            file = openPartial(dir, partial, offset, name);
            BasicFileAttributes a = Files.readAttributes(file.path(), BasicFileAttributes.class);
            if (!a.isRegularFile()) {
                throw new FileStoreException(FileStatus.PERMISSION_DENIED, "the partial of this upload is not a regular file: "
                        + StoreName.printable(name));
            }
            channel = FileChannel.open(file.path(), StandardOpenOption.WRITE);
            // The length of the file open here, not of whatever the name meant a moment ago.
            long length = channel.size();
            if (offset > length) {
                throw new FileStoreException(FileStatus.INVALID_REQUEST,
                        "offset " + offset + " past the " + length + " bytes held for " + StoreName.printable(name));
            }
            long have = offset > 0 ? offset : length;
            if (usableSpace.bytes(dir.path()) < size - have) {
                throw new FileStoreException(FileStatus.NO_SPACE, "not enough space for " + size + " bytes: " + StoreName.printable(name));
            }
            channel.truncate(have);
            channel.position(have);
            Upload upload = Upload.resumable(beneath, targetDir, target, dir, partial, file, name, channel, have,
                    () -> busy.remove(partial), disk);
            handedOver = true;
            return upload;
        } catch (LastErrorException e) {
            throw Beneath.failure(e, StoreName.printable(name));
        } catch (IOException e) {
            throw FileStoreException.of(e, StoreName.printable(name));
        } finally {
            if (!handedOver) {
                // Everything opened here is closed and the name freed; the target's directory stays the caller's.
                closeQuietly(channel);
                if (file != null) {
                    file.close();
                }
                if (dir != null) {
                    dir.close();
                }
                busy.remove(partial);
            }
        }
    }

    /**
     * The partial, made (0666 less the umask, as any new file) only when the upload starts from its
     * end: an offset into a partial that does not exist is 22 and makes nothing. O_NONBLOCK: a FIFO
     * put there fails at once (ENXIO) instead of waiting for a reader.
     */
    private Beneath.Fd openPartial(Beneath.Fd dir, String partial, long offset, String name)
            throws LastErrorException, FileStoreException {
        int flags = Beneath.O_WRONLY | Beneath.O_NONBLOCK | Beneath.O_NOCTTY;
        try {
            return beneath.open(dir, partial, flags, 0);
        } catch (LastErrorException e) {
            if (e.getErrorCode() != Beneath.ENOENT) {
                throw e;
            }
        }
        if (offset > 0) {
            throw new FileStoreException(FileStatus.INVALID_REQUEST,
                    "offset " + offset + " past the 0 bytes held for " + StoreName.printable(name));
        }
        return beneath.open(dir, partial, flags | Beneath.O_CREAT, 0666);
    }

    private static void closeQuietly(FileChannel channel) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // nothing was written through it
            }
        }
    }

    /**
     * Deletes partials untouched for {@link #MAX_AGE}; run when a resumable PUT starts (PROTOCOL.md §6).
     * A partial is reserved while it is looked at, so an upload cannot open it between the look and the delete.
     */
    void sweep(Beneath.Fd dir) throws IOException {
        Instant oldest = clock.instant().minus(MAX_AGE);
        try (DirectoryStream<Path> partials = Files.newDirectoryStream(dir.path())) {
            for (Path p : partials) {
                String partial = p.getFileName().toString();
                if (!busy.add(partial)) {
                    continue;
                }
                try {
                    if (Files.getLastModifiedTime(dir.child(partial), LinkOption.NOFOLLOW_LINKS).toInstant().isBefore(oldest)) {
                        beneath.unlink(dir, partial, 0);
                    }
                } catch (NoSuchFileException gone) {
                    // another connection's sweep got there first
                } catch (LastErrorException e) {
                    if (e.getErrorCode() != Beneath.ENOENT) {
                        throw new IOException("cannot remove an old partial upload: " + partial, e);
                    }
                } finally {
                    busy.remove(partial);
                }
            }
        }
    }
}
