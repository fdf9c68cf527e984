package dev.webrepl.core.files;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
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
 */
final class PartialUploads {
    private final FileStore.Disk disk;
    static final Duration MAX_AGE = Duration.ofHours(24);
    static final String SUFFIX = ".part";

    private final Path dir;
    private final Clock clock;
    private final FileStore.UsableSpace usableSpace;
    private final Set<Path> writing = ConcurrentHashMap.newKeySet();

    PartialUploads(Path dir, Clock clock, FileStore.UsableSpace usableSpace, FileStore.Disk disk) {
        this.disk = disk;
        this.dir = dir;
        this.clock = clock;
        this.usableSpace = usableSpace;
    }

    /** Where the partial of {@code key} (the target relative to the root) and {@code size} lives. */
    Path pathOf(String key, long size) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256")
                    .digest((key + '\0' + size).getBytes(StandardCharsets.UTF_8));
            return dir.resolve(HexFormat.of().formatHex(digest, 0, 16) + SUFFIX);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    /**
     * Opens the partial for writing from {@code offset}, or from its end when {@code offset} is 0
     * (PROTOCOL.md §6): an offset cuts the partial there, and one past its length is refused with 22.
     * The upload commits to {@code target} in {@code targetDir}, which it owns once returned.
     */
    Upload open(String key, long size, long offset, Beneath beneath, Beneath.Fd targetDir, String target, String name)
            throws FileStoreException {
        Path partial = pathOf(key, size);
        if (!writing.add(partial)) {
            throw new FileStoreException(FileStatus.BUSY, "another connection is writing this upload: " + name);
        }
        boolean opened = false;
        try {
            Files.createDirectories(dir);
            sweep();
            long length = Files.exists(partial, LinkOption.NOFOLLOW_LINKS) ? Files.size(partial) : 0;
            if (offset > length) {
                throw new FileStoreException(FileStatus.INVALID_REQUEST,
                        "offset " + offset + " past the " + length + " bytes held for " + name);
            }
            long have = offset > 0 ? offset : length;
            if (usableSpace.bytes(dir) < size - have) {
                throw new FileStoreException(FileStatus.NO_SPACE, "not enough space for " + size + " bytes: " + name);
            }
            FileChannel channel = FileChannel.open(partial, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            try {
                channel.truncate(have);
                channel.position(have);
            } catch (IOException e) {
                channel.close();
                throw e;
            }
            opened = true;
            return Upload.resumable(beneath, targetDir, target, partial, name, channel, have, () -> writing.remove(partial), disk);
        } catch (IOException e) {
            throw FileStoreException.of(e, StoreName.printable(name));
        } finally {
            if (!opened) {
                writing.remove(partial);
            }
        }
    }

    /** Deletes partials untouched for {@link #MAX_AGE}; run when a resumable PUT starts (PROTOCOL.md §6). */
    void sweep() throws IOException {
        Instant oldest = clock.instant().minus(MAX_AGE);
        try (DirectoryStream<Path> partials = Files.newDirectoryStream(dir)) {
            for (Path p : partials) {
                if (writing.contains(p)) {
                    continue;
                }
                try {
                    if (Files.getLastModifiedTime(p, LinkOption.NOFOLLOW_LINKS).toInstant().isBefore(oldest)) {
                        Files.delete(p);
                    }
                } catch (NoSuchFileException gone) {
                    // another connection's sweep got there first
                }
            }
        }
    }
}
