package dev.webrepl.core.files;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * A limit on the bytes one file root may hold (README "Users", {@code --quota-bytes}). A PUT reserves
 * its size before its first byte is written: what the root holds now (regular files, partial uploads
 * included, links not followed) plus what other uploads have reserved plus this one must fit, or the
 * PUT is refused with 122 and nothing is written. The reservation is given back when the upload ends
 * (committed or not), by which time a committed file counts by being on disk. A replaced file is not
 * credited: its new bytes are on disk beside it until the rename, as they are on any file system.
 *
 * <p>Files written by other means (an engine's program) count when the next PUT looks, but are not
 * refused here.
 */
public final class Quota {
    private final long limit;
    private long reserved;

    public Quota(long limit) {
        if (limit < 0) {
            throw new IllegalArgumentException("a quota is 0 or more bytes");
        }
        this.limit = limit;
    }

    public long limit() {
        return limit;
    }

    /** Bytes reserved by uploads under way now. */
    public synchronized long reserved() {
        return reserved;
    }

    /**
     * Reserves {@code bytes} for an upload into {@code root}; the result gives them back (call it once).
     *
     * @throws FileStoreException 122 when they do not fit
     */
    synchronized Runnable reserve(Path root, long bytes, String name) throws FileStoreException {
        long used;
        try {
            used = usage(root);
        } catch (IOException e) {
            throw FileStoreException.of(e, StoreName.printable(name));
        }
        if (bytes > limit || used + reserved > limit - bytes) {
            throw new FileStoreException(FileStatus.QUOTA_EXCEEDED, "quota of " + limit + " bytes: " + used
                    + " used, " + reserved + " reserved, " + bytes + " more do not fit: " + StoreName.printable(name));
        }
        reserved += bytes;
        boolean[] given = new boolean[1];
        return () -> {
            synchronized (this) {
                if (!given[0]) {
                    given[0] = true;
                    reserved -= bytes;
                }
            }
        };
    }

    /** The bytes of the regular files under {@code root}; links are not followed, vanishing files are skipped. */
    static long usage(Path root) throws IOException {
        long[] total = new long[1];
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes a) {
                if (a.isRegularFile()) {
                    total[0] += a.size();
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) {
                return FileVisitResult.CONTINUE;
            }
        });
        return total[0];
    }
}
