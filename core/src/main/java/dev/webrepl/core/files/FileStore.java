package dev.webrepl.core.files;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * The files a session may touch: everything under one root directory and nothing else.
 *
 * <p>Names are resolved as the reference does relative to its working directory (spec §4.1), but
 * confined: {@code /x} means {@code root/x}, any {@code ..} component is refused, a path whose
 * real location (symlinks followed) is outside the root is refused, and so is the server's own
 * directory {@code .webrepl} at the root (PROTOCOL.md §1). Uploads go to a temporary file that is
 * renamed into place only when every byte has arrived, so an interrupted PUT leaves the old file
 * intact; a resumable PUT keeps its bytes as a partial for the next attempt (PROTOCOL.md §6).
 */
public final class FileStore {
    static final String TEMP_PREFIX = ".webrepl-upload-";
    static final String TEMP_SUFFIX = ".part";
    /** The server's directory at the root, invisible to clients (PROTOCOL.md §5, §6). */
    public static final String RESERVED = ".webrepl";

    private static final Comparator<DirectoryEntry> BY_UTF8_NAME = (a, b) -> Arrays.compareUnsigned(
            a.name().getBytes(StandardCharsets.UTF_8), b.name().getBytes(StandardCharsets.UTF_8));

    private final Path root;
    private final Path reserved;
    private final UsableSpace usableSpace;
    private final Disk disk;
    private final PartialUploads partials;

    /** How many bytes can still be written in a directory; tests pass their own. */
    @FunctionalInterface
    public interface UsableSpace {
        long bytes(Path directory) throws IOException;
    }

    /**
     * Writes upload bytes to the file system: {@link FileChannel#write(ByteBuffer)}, or in tests one
     * that fails as a full disk does, in the middle of an upload (issue #9 "disk full during PUT").
     */
    @FunctionalInterface
    public interface Disk {
        int write(FileChannel channel, ByteBuffer bytes) throws IOException;
    }

    /** Uses {@code root}, creating it (and its parents) if missing. */
    public FileStore(Path root) throws IOException {
        this(root, dir -> Files.getFileStore(dir).getUsableSpace());
    }

    /** Uses {@code root}, with {@code usableSpace} deciding whether an upload fits. */
    public FileStore(Path root, UsableSpace usableSpace) throws IOException {
        this(root, usableSpace, Clock.systemUTC());
    }

    /** As above, with {@code clock} deciding when a partial upload is old enough to sweep. */
    public FileStore(Path root, UsableSpace usableSpace, Clock clock) throws IOException {
        this(root, usableSpace, clock, FileChannel::write);
    }

    /** As above, with {@code disk} doing the writes of uploads. */
    public FileStore(Path root, UsableSpace usableSpace, Clock clock, Disk disk) throws IOException {
        Files.createDirectories(root);
        this.disk = disk;
        this.root = root.toRealPath();
        this.reserved = this.root.resolve(RESERVED);
        this.usableSpace = usableSpace;
        this.partials = new PartialUploads(reserved.resolve("partial"), clock, usableSpace, disk);
    }

    /** The real path of the root directory. */
    public Path root() {
        return root;
    }

    /**
     * The path for {@code name} inside the root. Fails with {@link FileStatus#PERMISSION_DENIED} for
     * {@code ..} components, symlink escapes and the reserved directory, {@link FileStatus#INVALID_REQUEST}
     * for an empty name.
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
            if (parts == 0 && part.equals(RESERVED)) {
                throw new FileStoreException(FileStatus.PERMISSION_DENIED, "reserved: " + name);
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
            throw FileStoreException.of(e, name);
        }
        if (!real.startsWith(root) || real.startsWith(reserved)) {
            throw new FileStoreException(FileStatus.PERMISSION_DENIED, "outside the root: " + name);
        }
    }

    /** What {@code name} is (a link as itself); its name is the last component, {@code /} for the root. */
    public DirectoryEntry stat(String name) throws FileStoreException {
        Path path = resolve(name);
        return entryOf(path, path.equals(root) ? "/" : path.getFileName().toString(), name);
    }

    /** The entries of directory {@code name}, sorted by their UTF-8 bytes; the root's {@code .webrepl} is left out. */
    public List<DirectoryEntry> list(String name) throws FileStoreException {
        Path dir = resolve(name);
        List<DirectoryEntry> entries = new ArrayList<>();
        try (DirectoryStream<Path> children = Files.newDirectoryStream(dir)) {
            for (Path child : children) {
                if (dir.equals(root) && child.getFileName().toString().equals(RESERVED)) {
                    continue;
                }
                try {
                    entries.add(entryOf(child, child.getFileName().toString(), name));
                } catch (FileStoreException e) {
                    if (e.status() != FileStatus.NOT_FOUND) {
                        throw e;
                    }
                    // deleted while we listed: it is simply not there
                }
            }
        } catch (IOException e) {
            throw FileStoreException.of(e, name);
        }
        entries.sort(BY_UTF8_NAME);
        return entries;
    }

    private static DirectoryEntry entryOf(Path path, String entryName, String name) throws FileStoreException {
        try {
            BasicFileAttributes a = Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            DirectoryEntry.Kind kind = a.isDirectory() ? DirectoryEntry.Kind.DIRECTORY
                    : a.isSymbolicLink() ? DirectoryEntry.Kind.LINK
                    : a.isRegularFile() ? DirectoryEntry.Kind.FILE
                    : DirectoryEntry.Kind.OTHER;
            return new DirectoryEntry(kind, a.isDirectory() ? 0 : a.size(), a.lastModifiedTime().toMillis(), entryName);
        } catch (IOException e) {
            throw FileStoreException.of(e, name);
        }
    }

    /** Removes a file, a link (not its target) or an empty directory; never the root (PROTOCOL.md §5). */
    public void delete(String name) throws FileStoreException {
        Path path = notTheRoot(resolve(name), name);
        try {
            Files.delete(path);
        } catch (IOException e) {
            throw FileStoreException.of(e, name);
        }
    }

    /** Creates directory {@code name} and its missing parents; an existing directory is fine, a file in the way is 17. */
    public void mkdirs(String name) throws FileStoreException {
        Path target = resolve(name);
        if (target.equals(root)) {
            return;
        }
        Path path = root;
        for (Path part : root.relativize(target)) {
            path = path.resolve(part);
            try {
                Files.createDirectory(path);
            } catch (FileAlreadyExistsException e) {
                if (!Files.isDirectory(path)) {
                    throw new FileStoreException(FileStatus.EXISTS, "not a directory: " + root.relativize(path), e);
                }
            } catch (IOException e) {
                throw FileStoreException.of(e, name);
            }
        }
    }

    /**
     * Moves {@code from} to {@code to} in one atomic rename: an existing file at {@code to} is
     * replaced, an existing directory (or a file, for a directory) is refused with 17 (PROTOCOL.md §5).
     */
    public void rename(String from, String to) throws FileStoreException {
        Path source = notTheRoot(resolve(from), from);
        Path target = notTheRoot(resolve(to), to);
        if (!Files.exists(source, LinkOption.NOFOLLOW_LINKS)) {
            throw new FileStoreException(FileStatus.NOT_FOUND, "no such file or directory: " + from);
        }
        if (source.equals(target)) {
            return;
        }
        if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)
                && (Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)
                    || Files.isDirectory(source, LinkOption.NOFOLLOW_LINKS))) {
            throw new FileStoreException(FileStatus.EXISTS, "exists and cannot be replaced: " + to);
        }
        try {
            Files.move(source, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw FileStoreException.of(e, to);
        }
    }

    private Path notTheRoot(Path path, String name) throws FileStoreException {
        if (path.equals(root)) {
            throw new FileStoreException(FileStatus.PERMISSION_DENIED, "not allowed on the root: " + name);
        }
        return path;
    }

    /** A legacy upload (spec §4.3): written beside the target, deleted if it does not complete. */
    public Upload beginUpload(String name, long size) throws FileStoreException {
        return beginUpload(name, size, false, 0);
    }

    /**
     * Starts an upload of {@code size} bytes to {@code name}: the target's directory must exist,
     * the target must not be a directory, and the file system must have room for what is missing.
     * With {@code resumable} or an {@code offset}, the bytes go to the partial kept for (name, size)
     * and the upload continues from its end, or from {@code offset} (PROTOCOL.md §6); see {@link Upload#have()}.
     */
    public Upload beginUpload(String name, long size, boolean resumable, long offset) throws FileStoreException {
        if (offset < 0 || offset > size) {
            throw new FileStoreException(FileStatus.INVALID_REQUEST, "offset " + offset + " outside a " + size + "-byte file");
        }
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
                throw FileStoreException.of(e, name);
            }
        }
        Path dir = target.getParent();
        if (!Files.isDirectory(dir)) {
            throw new FileStoreException(
                    Files.exists(dir) ? FileStatus.NOT_A_DIRECTORY : FileStatus.NOT_FOUND,
                    "no such directory: " + root.relativize(dir));
        }
        if (resumable || offset > 0) {
            return partials.open(root.relativize(target).toString(), size, offset, target, name);
        }
        try {
            if (usableSpace.bytes(dir) < size) {
                throw new FileStoreException(FileStatus.NO_SPACE, "not enough space for " + size + " bytes: " + name);
            }
            Path temp = Files.createTempFile(dir, TEMP_PREFIX, TEMP_SUFFIX);
            FileChannel channel;
            try {
                channel = FileChannel.open(temp, StandardOpenOption.WRITE);
            } catch (IOException e) {
                Files.deleteIfExists(temp);
                throw e;
            }
            return new Upload(temp, target, name, channel, 0, false, () -> { }, disk);
        } catch (IOException e) {
            throw FileStoreException.of(e, name);
        }
    }

    /** Opens {@code name} for a download from its first byte. */
    public Download openDownload(String name) throws FileStoreException {
        return openDownload(name, 0);
    }

    /** Opens {@code name} for a download from byte {@code offset}; past the end is 22 (PROTOCOL.md §6). */
    public Download openDownload(String name, long offset) throws FileStoreException {
        Path path = resolve(name);
        if (Files.isDirectory(path)) {
            throw new FileStoreException(FileStatus.IS_A_DIRECTORY, "is a directory: " + name);
        }
        FileChannel channel = null;
        try {
            channel = FileChannel.open(path, StandardOpenOption.READ);
            if (offset < 0 || offset > channel.size()) {
                throw new FileStoreException(FileStatus.INVALID_REQUEST, "offset " + offset + " past the end of " + name);
            }
            channel.position(offset);
            Download download = new Download(channel, name);
            channel = null;
            return download;
        } catch (IOException e) {
            throw FileStoreException.of(e, name);
        } finally {
            if (channel != null) {
                new Download(channel, name).close();
            }
        }
    }
}
