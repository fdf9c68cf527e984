package dev.webrepl.metrics.audit;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import org.slf4j.LoggerFactory;

/**
 * Files only the server's user can read (recordings and the audit log hold what people typed and
 * saw): directories 0700, files 0600, set as they are created (no window with wider permissions),
 * never through a symbolic link.
 */
final class OwnerOnly {
    private static final boolean POSIX = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");

    private OwnerOnly() {
    }

    /** {@code dir}, created (0700, with missing parents) if it does not exist; one that others may read is said so. */
    static Path directory(Path dir) throws IOException {
        if (Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            if (POSIX && Files.getPosixFilePermissions(dir, LinkOption.NOFOLLOW_LINKS).stream()
                    .anyMatch(p -> p.name().startsWith("GROUP_") || p.name().startsWith("OTHERS_"))) {
                LoggerFactory.getLogger(OwnerOnly.class).warn(dir + " may be read by others ("
                        + PosixFilePermissions.toString(Files.getPosixFilePermissions(dir, LinkOption.NOFOLLOW_LINKS))
                        + "); its files are 0600, but their names show who had sessions when. chmod 700 " + dir);
            }
        } else {
            if (POSIX) {
                Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            } else {
                Files.createDirectories(dir);
            }
        }
        return dir;
    }

    /** A new file (0600); fails if anything, a link included, has that name. */
    static OutputStream createNew(Path file) throws IOException {
        return open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    }

    /** {@code file} for appending, created (0600) if missing; not through a symbolic link. */
    static OutputStream append(Path file) throws IOException {
        return open(file, StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.WRITE,
                LinkOption.NOFOLLOW_LINKS);
    }

    private static OutputStream open(Path file, OpenOption... options) throws IOException {
        FileAttribute<?>[] attrs = POSIX
                ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))}
                : new FileAttribute<?>[0];
        return Channels.newOutputStream(Files.newByteChannel(file, Set.of(options), attrs));
    }
}
