package dev.webrepl.core.files;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * The files a session may touch: everything under one root directory and nothing else.
 *
 * <p>Names are resolved as the reference does relative to its working directory (spec §4.1), but
 * confined: {@code /x} means {@code root/x}, any {@code ..} component is refused, and a path whose
 * real location (symlinks followed) is outside the root is refused. Uploads go to a temporary file
 * in the target's directory that is renamed into place only when every byte has arrived, so an
 * interrupted PUT leaves the old file intact and no partial file behind.
 */
public final class FileStore {
    static final String TEMP_PREFIX = ".webrepl-upload-";
    static final String TEMP_SUFFIX = ".part";

    private final Path root;
    private final UsableSpace usableSpace;

    /** How many bytes can still be written in a directory; tests pass their own. */
    @FunctionalInterface
    public interface UsableSpace {
        long bytes(Path directory) throws IOException;
    }

    /** Uses {@code root}, creating it (and its parents) if missing. */
    public FileStore(Path root) throws IOException {
        this(root, dir -> Files.getFileStore(dir).getUsableSpace());
    }

    /** Uses {@code root}, with {@code usableSpace} deciding whether an upload fits. */
    public FileStore(Path root, UsableSpace usableSpace) throws IOException {
        Files.createDirectories(root);
        this.root = root.toRealPath();
        this.usableSpace = usableSpace;
    }

    /** The real path of the root directory. */
    public Path root() {
        return root;
    }

    /**
     * The path for {@code name} inside the root. Fails with {@link FileStatus#PERMISSION_DENIED} for
     * {@code ..} components and symlink escapes, {@link FileStatus#INVALID_REQUEST} for an empty name.
     */
    public Path resolve(String name) throws FileStoreException {
        Path path = root;
        int parts = 0;
        for (String part : name.split("/")) {
            if (part.isEmpty() || part.equals(".")) {
                continue;
            }
            if (part.equals("..")) {
                throw new FileStoreException(FileStatus.PERMISSION_DENIED, "'..' is not allowed: " + name);
            }
            if (part.indexOf('\0') >= 0) {
                throw new FileStoreException(FileStatus.INVALID_REQUEST, "NUL in file name");
            }
            path = path.resolve(part);
            parts++;
        }
        if (parts == 0) {
            if (name.isEmpty()) {
                throw new FileStoreException(FileStatus.INVALID_REQUEST, "empty file name");
            }
            return root;
        }
        checkInsideRoot(path, name);
        return path;
    }

    private void checkInsideRoot(Path path, String name) throws FileStoreException {
        // The deepest existing ancestor (or the path itself) decides: its real path must stay in root.
        Path existing = path;
        while (existing != null && !Files.exists(existing, LinkOption.NOFOLLOW_LINKS)) {
            existing = existing.getParent();
        }
        if (existing == null) {
            throw new FileStoreException(FileStatus.PERMISSION_DENIED, "outside the root: " + name);
        }
        Path real;
        try {
            real = existing.toRealPath();
        } catch (NoSuchFileException e) {
            // A dangling symlink: where it points is unknown territory, so it is refused.
            throw new FileStoreException(FileStatus.PERMISSION_DENIED, "dangling symlink: " + name, e);
        } catch (IOException e) {
            throw map(e, name);
        }
        if (!real.startsWith(root)) {
            throw new FileStoreException(FileStatus.PERMISSION_DENIED, "outside the root: " + name);
        }
    }

    /**
     * Starts an upload of {@code size} bytes to {@code name}: the target's directory must exist,
     * the target must not be a directory, and the file system must have room for {@code size} bytes.
     */
    public Upload beginUpload(String name, long size) throws FileStoreException {
        Path target = resolve(name);
        if (Files.isDirectory(target)) {
            throw new FileStoreException(FileStatus.IS_A_DIRECTORY, "is a directory: " + name);
        }
        if (Files.isSymbolicLink(target)) {
            // Write through a link (resolve() checked that it stays in the root), as open("wb") would;
            // renaming over it would replace the link itself.
            try {
                target = target.toRealPath();
            } catch (IOException e) {
                throw map(e, name);
            }
        }
        Path dir = target.getParent();
        if (!Files.isDirectory(dir)) {
            throw new FileStoreException(
                    Files.exists(dir) ? FileStatus.NOT_A_DIRECTORY : FileStatus.NOT_FOUND,
                    "no such directory: " + root.relativize(dir));
        }
        try {
            if (usableSpace.bytes(dir) < size) {
                throw new FileStoreException(FileStatus.NO_SPACE,
                        "not enough space for " + size + " bytes: " + name);
            }
            Path temp = Files.createTempFile(dir, TEMP_PREFIX, TEMP_SUFFIX);
            return new Upload(temp, target, name);
        } catch (IOException e) {
            throw map(e, name);
        }
    }

    /** Opens {@code name} for a download. */
    public Download openDownload(String name) throws FileStoreException {
        Path path = resolve(name);
        if (Files.isDirectory(path)) {
            throw new FileStoreException(FileStatus.IS_A_DIRECTORY, "is a directory: " + name);
        }
        try {
            return new Download(FileChannel.open(path, StandardOpenOption.READ), name);
        } catch (IOException e) {
            throw map(e, name);
        }
    }

    static FileStoreException map(IOException e, String name) {
        FileStatus status;
        if (e instanceof NoSuchFileException) {
            status = FileStatus.NOT_FOUND;
        } else if (e instanceof AccessDeniedException) {
            status = FileStatus.PERMISSION_DENIED;
        } else if (e instanceof NotDirectoryException) {
            status = FileStatus.NOT_A_DIRECTORY;
        } else if (e instanceof FileSystemException fse && fse.getReason() != null) {
            String reason = fse.getReason();
            status = reason.contains("No space left") || reason.contains("quota") ? FileStatus.NO_SPACE
                    : reason.contains("File name too long") ? FileStatus.NAME_TOO_LONG
                    : reason.contains("Not a directory") ? FileStatus.NOT_A_DIRECTORY
                    : reason.contains("Is a directory") ? FileStatus.IS_A_DIRECTORY
                    : FileStatus.IO_ERROR;
        } else if (e.getMessage() != null && e.getMessage().contains("No space left")) {
            status = FileStatus.NO_SPACE;
        } else {
            status = FileStatus.IO_ERROR;
        }
        return new FileStoreException(status, status.description() + ": " + name, e);
    }

    /** An upload in progress; {@link #commit()} renames it into place, {@link #abort()} deletes it. */
    public static final class Upload implements AutoCloseable {
        private final Path temp;
        private final Path target;
        private final String name;
        private final FileChannel channel;
        private long written;
        private boolean finished;

        Upload(Path temp, Path target, String name) throws IOException {
            this.temp = temp;
            this.target = target;
            this.name = name;
            try {
                this.channel = FileChannel.open(temp, StandardOpenOption.WRITE);
            } catch (IOException e) {
                Files.deleteIfExists(temp);
                throw e;
            }
        }

        public void write(byte[] bytes, int off, int len) throws FileStoreException {
            ByteBuffer buf = ByteBuffer.wrap(bytes, off, len);
            try {
                while (buf.hasRemaining()) {
                    written += channel.write(buf);
                }
            } catch (IOException e) {
                throw map(e, name);
            }
        }

        public long written() {
            return written;
        }

        /** Flushes the data to disk and atomically replaces the target with it. */
        public void commit() throws FileStoreException {
            try {
                channel.force(true);
                channel.close();
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                finished = true;
            } catch (IOException e) {
                abort();
                throw map(e, name);
            }
        }

        /** Drops the temporary file; the target is untouched. Idempotent. */
        public void abort() {
            if (finished) {
                return;
            }
            finished = true;
            try {
                channel.close();
            } catch (IOException ignored) {
                // closing a file we only wrote to cannot lose anything we still need
            }
            try {
                Files.deleteIfExists(temp);
            } catch (IOException ignored) {
                // nothing else to do: the name is unique and prefixed, so it misleads nobody
            }
        }

        @Override
        public void close() {
            abort();
        }
    }

    /** A download in progress. */
    public static final class Download implements AutoCloseable {
        private final FileChannel channel;
        private final String name;

        Download(FileChannel channel, String name) {
            this.channel = channel;
            this.name = name;
        }

        /** Reads up to {@code len} bytes; returns 0 at end of file. */
        public int read(byte[] bytes, int off, int len) throws FileStoreException {
            ByteBuffer buf = ByteBuffer.wrap(bytes, off, len);
            try {
                while (buf.hasRemaining()) {
                    if (channel.read(buf) < 0) {
                        break;
                    }
                }
            } catch (IOException e) {
                throw map(e, name);
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
}
