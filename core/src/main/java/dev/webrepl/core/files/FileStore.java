package dev.webrepl.core.files;

import com.sun.jna.LastErrorException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The files a session may touch: everything under one root directory and nothing else.
 *
 * <p>Names are resolved as the reference does relative to its working directory (spec §4.1), but
 * confined: {@code /x} means {@code root/x}, any {@code ..} component is refused, and so is the
 * server's own directory {@code .webrepl} at the root (PROTOCOL.md §1). Every operation walks its
 * name one component at a time from a directory fd of the root and never follows a symlink
 * (issue #15.1): there is no "check, then use" a concurrent RENAME could slip between. GET and PUT
 * act on regular files only. Uploads go to a temporary file in the target's directory, held open
 * by fd, renamed into place only when every byte has arrived, so an interrupted PUT leaves the old
 * file intact; a resumable PUT keeps its bytes as a partial for the next attempt (PROTOCOL.md §6).
 */
public final class FileStore {
    static final String TEMP_PREFIX = ".webrepl-upload-";
    static final String TEMP_SUFFIX = ".part";
    /** The server's directory at the root, invisible to clients (PROTOCOL.md §5, §6). */
    public static final String RESERVED = ".webrepl";
    private static final LinkOption[] NOFOLLOW = {LinkOption.NOFOLLOW_LINKS};
    private static final LinkOption[] FOLLOW = {};

    private static final Comparator<DirectoryEntry> BY_UTF8_NAME = (a, b) -> Arrays.compareUnsigned(
            a.name().getBytes(StandardCharsets.UTF_8), b.name().getBytes(StandardCharsets.UTF_8));

    private final Path root;
    private final UsableSpace usableSpace;
    private final Disk disk;
    private final PartialUploads partials;
    private final Beneath beneath;
    /** The limit on what the root may hold; null for none. */
    private final Quota quota;

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

    /**
     * As above, with {@code disk} doing the writes of uploads.
     *
     * @throws IllegalStateException on a system other than Linux on x86_64 or aarch64
     */
    public FileStore(Path root, UsableSpace usableSpace, Clock clock, Disk disk) throws IOException {
        this(root, usableSpace, clock, disk, null);
    }

    /** Uses {@code root}, whose uploads must fit in {@code quota} (null: no quota). */
    public FileStore(Path root, Quota quota) throws IOException {
        this(root, dir -> Files.getFileStore(dir).getUsableSpace(), Clock.systemUTC(), FileChannel::write, quota);
    }

    private FileStore(Path root, UsableSpace usableSpace, Clock clock, Disk disk, Quota quota) throws IOException {
        this.quota = quota;
        this.beneath = Beneath.forThisMachine();
        Files.createDirectories(root);
        this.disk = disk;
        // The operator's root is trusted: its real path is resolved once, and every name is walked from it.
        this.root = root.toRealPath();
        this.usableSpace = usableSpace;
        this.partials = new PartialUploads(beneath, this.root, clock, usableSpace, disk);
    }

    /** The real path of the root directory. */
    public Path root() {
        return root;
    }


    /** The root, opened by its real path; the caller closes it. */
    private Beneath.Fd openRoot(String name) throws FileStoreException {
        try {
            return beneath.openTrustedDirectory(root);
        } catch (LastErrorException e) {
            throw Beneath.failure(e, name);
        }
    }

    /**
     * The directory {@code parts} lead to from the root, each component opened relative to the one
     * before and none of them a link (a link is 13, a file 20); the caller closes it.
     */
    private Beneath.Fd openDirectories(List<String> parts, String name) throws FileStoreException {
        Beneath.Fd dir = openRoot(name);
        try {
            for (String part : parts) {
                Beneath.Fd next;
                try {
                    next = beneath.openDirectory(dir, part);
                } catch (LastErrorException e) {
                    throw failureAt(dir, part, e, name);
                }
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

    /** The status for a component that did not open as a directory: a link is named as such (13), not "not a directory". */
    private static FileStoreException failureAt(Beneath.Fd dir, String part, LastErrorException e, String name) {
        if (e.getErrorCode() == Beneath.ENOTDIR && Files.isSymbolicLink(dir.child(part))) {
            return new FileStoreException(FileStatus.PERMISSION_DENIED, "a link is never followed: " + printable(name), e);
        }
        return Beneath.failure(e, printable(name));
    }

    private static String printable(String name) {
        return StoreName.printable(name);
    }

    /** What {@code name} is (a link as itself); its name is the last component, {@code /} for the root. */
    public DirectoryEntry stat(String name) throws FileStoreException {
        StoreName n = StoreName.parse(name);
        if (n.isRoot() || n.directory()) {
            try (Beneath.Fd dir = openDirectories(n.parts(), name)) {
                return entryOf(dir.path(), FOLLOW, n.isRoot() ? "/" : n.last(), name);
            }
        }
        try (Beneath.Fd parent = openDirectories(n.parent(), name)) {
            return entryOf(parent.child(n.last()), NOFOLLOW, n.last(), name);
        }
    }

    /** The entries of directory {@code name}, sorted by their UTF-8 bytes; the root's {@code .webrepl} is left out. */
    public List<DirectoryEntry> list(String name) throws FileStoreException {
        StoreName n = StoreName.parse(name);
        List<DirectoryEntry> entries = new ArrayList<>();
        try (Beneath.Fd dir = openDirectories(n.parts(), name);
             DirectoryStream<Path> children = Files.newDirectoryStream(dir.path())) {
            for (Path child : children) {
                String childName = child.getFileName().toString();
                if (n.isRoot() && childName.equals(RESERVED)) {
                    continue;
                }
                try {
                    entries.add(entryOf(dir.child(childName), NOFOLLOW, childName, name));
                } catch (FileStoreException e) {
                    if (e.status() != FileStatus.NOT_FOUND) {
                        throw e;
                    }
                    // deleted while we listed: it is simply not there
                }
            }
        } catch (IOException e) {
            throw FileStoreException.of(e, printable(name));
        }
        entries.sort(BY_UTF8_NAME);
        return entries;
    }

    private static DirectoryEntry entryOf(Path path, LinkOption[] follow, String entryName, String name)
            throws FileStoreException {
        try {
            BasicFileAttributes a = Files.readAttributes(path, BasicFileAttributes.class, follow);
            DirectoryEntry.Kind kind = a.isDirectory() ? DirectoryEntry.Kind.DIRECTORY
                    : a.isSymbolicLink() ? DirectoryEntry.Kind.LINK
                    : a.isRegularFile() ? DirectoryEntry.Kind.FILE
                    : DirectoryEntry.Kind.OTHER;
            return new DirectoryEntry(kind, a.isDirectory() ? 0 : a.size(), a.lastModifiedTime().toMillis(), entryName);
        } catch (IOException e) {
            throw FileStoreException.of(e, printable(name));
        }
    }

    /** The attributes of {@code last} in {@code dir}, a link as itself; null if there is nothing. */
    private static BasicFileAttributes lstat(Beneath.Fd dir, String last, String name) throws FileStoreException {
        try {
            return Files.readAttributes(dir.child(last), BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            throw FileStoreException.of(e, printable(name));
        }
    }

    /** Removes a file, a link (not its target) or an empty directory; never the root (PROTOCOL.md §5). */
    public void delete(String name) throws FileStoreException {
        StoreName n = notTheRoot(StoreName.parse(name));
        try (Beneath.Fd parent = openDirectories(n.parent(), name)) {
            try {
                if (n.directory()) {
                    beneath.unlink(parent, n.last(), Beneath.AT_REMOVEDIR);
                } else {
                    unlinkEither(parent, n.last());
                }
            } catch (LastErrorException e) {
                throw Beneath.failure(e, printable(name));
            }
        }
    }

    /** unlink, or rmdir when the name is a directory: both act on the name itself, a link included. */
    private void unlinkEither(Beneath.Fd parent, String last) throws LastErrorException {
        try {
            beneath.unlink(parent, last, 0);
        } catch (LastErrorException e) {
            if (e.getErrorCode() != Beneath.EISDIR) {
                throw e;
            }
            beneath.unlink(parent, last, Beneath.AT_REMOVEDIR);
        }
    }

    /**
     * Creates directory {@code name} and its missing parents; an existing directory is fine, a file in
     * the way is 17, a link in the way 13 (it is never followed), a component with a control character 84.
     */
    public void mkdirs(String name) throws FileStoreException {
        StoreName n = StoreName.parse(name);
        for (String part : n.parts()) {
            // Checked before anything is made, so a refused name creates none of its parents.
            StoreName.checkCreatable(part, name);
        }
        Beneath.Fd dir = openRoot(name);
        try {
            for (String part : n.parts()) {
                Beneath.Fd next = openOrCreateDirectory(dir, part, name);
                dir.close();
                dir = next;
            }
        } finally {
            dir.close();
        }
    }

    private Beneath.Fd openOrCreateDirectory(Beneath.Fd dir, String part, String name) throws FileStoreException {
        try {
            return beneath.openDirectory(dir, part);
        } catch (LastErrorException missing) {
            if (missing.getErrorCode() != Beneath.ENOENT) {
                throw existsOrFailure(dir, part, missing, name);
            }
        }
        try {
            beneath.mkdir(dir, part, 0777);
        } catch (LastErrorException e) {
            if (e.getErrorCode() != Beneath.EEXIST) {
                throw Beneath.failure(e, printable(name));
            }
            // made by someone else meanwhile: fine if it is a directory, checked by the open below
        }
        try {
            return beneath.openDirectory(dir, part);
        } catch (LastErrorException e) {
            throw existsOrFailure(dir, part, e, name);
        }
    }

    /** A file where a directory should be is 17 for MKDIR (PROTOCOL.md §5); a link is 13. */
    private static FileStoreException existsOrFailure(Beneath.Fd dir, String part, LastErrorException e, String name) {
        FileStoreException failure = failureAt(dir, part, e, name);
        if (failure.status() == FileStatus.NOT_A_DIRECTORY) {
            return new FileStoreException(FileStatus.EXISTS, "not a directory: " + printable(name), e);
        }
        return failure;
    }

    /**
     * Moves {@code from} to {@code to} in one atomic rename: an existing file at {@code to} is
     * replaced, an existing directory (or a file, for a directory) is refused with 17 (PROTOCOL.md §5).
     * A link is moved as itself.
     */
    public void rename(String from, String to) throws FileStoreException {
        StoreName source = notTheRoot(StoreName.parse(from));
        StoreName target = notTheRoot(StoreName.parse(to));
        try (Beneath.Fd sourceDir = openDirectories(source.parent(), from);
             Beneath.Fd targetDir = openDirectories(target.parent(), to)) {
            BasicFileAttributes s = lstat(sourceDir, source.last(), from);
            if (s == null) {
                throw new FileStoreException(FileStatus.NOT_FOUND, "no such file or directory: " + printable(from));
            }
            if ((source.directory() || target.directory()) && !s.isDirectory()) {
                throw new FileStoreException(FileStatus.NOT_A_DIRECTORY, "not a directory: " + printable(from));
            }
            if (source.parts().equals(target.parts())) {
                return;
            }
            StoreName.checkCreatable(target.last(), to);
            BasicFileAttributes t = lstat(targetDir, target.last(), to);
            if (t != null && (t.isDirectory() || s.isDirectory())) {
                throw new FileStoreException(FileStatus.EXISTS, "exists and cannot be replaced: " + printable(to));
            }
            try {
                beneath.rename(sourceDir.fd(), source.last(), targetDir, target.last());
            } catch (LastErrorException e) {
                throw Beneath.failure(e, printable(to));
            }
        }
    }

    private static StoreName notTheRoot(StoreName name) throws FileStoreException {
        if (name.isRoot()) {
            throw new FileStoreException(FileStatus.PERMISSION_DENIED, "not allowed on the root: " + printable(name.text()));
        }
        return name;
    }

    /** A legacy upload (spec §4.3): written beside the target, deleted if it does not complete. */
    public Upload beginUpload(String name, long size) throws FileStoreException {
        return beginUpload(name, size, false, 0);
    }

    /**
     * Starts an upload of {@code size} bytes to {@code name}: the target's directory must exist, the
     * target must be a regular file or missing (a directory is 21; a link, FIFO, device or socket 13),
     * and the file system must have room for what is missing. The target's directory stays open
     * until the upload ends, so its commit and abort act there even if that directory is renamed.
     * With {@code resumable} or an {@code offset}, the bytes go to the partial kept for (name, size)
     * and the upload continues from its end, or from {@code offset} (PROTOCOL.md §6); see {@link Upload#have()}.
     */
    public Upload beginUpload(String name, long size, boolean resumable, long offset) throws FileStoreException {
        if (offset < 0 || offset > size) {
            throw new FileStoreException(FileStatus.INVALID_REQUEST, "offset " + offset + " outside a " + size + "-byte file");
        }
        StoreName n = StoreName.parse(name);
        if (n.isRoot() || n.directory()) {
            // Opened only to report what is there: 2, 13 or 20 if it is not a directory, else 21.
            openDirectories(n.parts(), name).close();
            throw new FileStoreException(FileStatus.IS_A_DIRECTORY, "is a directory: " + printable(name));
        }
        Beneath.Fd dir = openDirectories(n.parent(), name);
        Runnable unreserve = null;
        try {
            Upload.checkReplaceable(lstat(dir, n.last(), name), name);
            StoreName.checkCreatable(n.last(), name);
            if (quota != null) {
                // Reserved before a byte is written (README "Users"): concurrent PUTs cannot pass it together.
                unreserve = quota.reserve(root, size - offset, name);
            }
            Upload upload;
            if (resumable || offset > 0) {
                upload = partials.open(n.normalized(), size, offset, dir, n.last(), name);
            } else {
                if (usableSpace.bytes(dir.path()) < size) {
                    throw new FileStoreException(FileStatus.NO_SPACE, "not enough space for " + size + " bytes: " + printable(name));
                }
                upload = Upload.legacy(beneath, dir, n.last(), name, disk);
            }
            dir = null;
            if (unreserve != null) {
                upload = upload.alsoOnEnd(unreserve);
                unreserve = null;
            }
            return upload;
        } catch (IOException e) {
            throw FileStoreException.of(e, printable(name));
        } finally {
            if (dir != null) {
                dir.close();
            }
            if (unreserve != null) {
                unreserve.run();
            }
        }
    }

    /** A fresh temporary file in {@code dir}, created (never opened if it exists) with mode 0666 less the umask. */
    static Beneath.Fd createTemp(Beneath beneath, Beneath.Fd dir, StringBuilder nameOut) throws LastErrorException {
        for (int attempt = 0; ; attempt++) {
            String temp = TEMP_PREFIX + Long.toUnsignedString(ThreadLocalRandom.current().nextLong(), 36) + TEMP_SUFFIX;
            try {
                Beneath.Fd fd = beneath.open(dir, temp, Beneath.O_CREAT | Beneath.O_EXCL | Beneath.O_WRONLY, 0666);
                nameOut.setLength(0);
                nameOut.append(temp);
                return fd;
            } catch (LastErrorException e) {
                if (e.getErrorCode() != Beneath.EEXIST || attempt == 100) {
                    throw e;
                }
            }
        }
    }

    /** Opens {@code name} for a download from its first byte. */
    public Download openDownload(String name) throws FileStoreException {
        return openDownload(name, 0);
    }

    /**
     * Opens {@code name} for a download from byte {@code offset}; past the end is 22 (PROTOCOL.md §6).
     * A directory is 21; a link, FIFO, device or socket is 13 and is not opened.
     */
    public Download openDownload(String name, long offset) throws FileStoreException {
        StoreName n = StoreName.parse(name);
        if (n.isRoot() || n.directory()) {
            // Opened only to report what is there: 2, 13 or 20 if it is not a directory, else 21.
            openDirectories(n.parts(), name).close();
            throw new FileStoreException(FileStatus.IS_A_DIRECTORY, "is a directory: " + printable(name));
        }
        FileChannel channel = null;
        try (Beneath.Fd parent = openDirectories(n.parent(), name)) {
            // Looked at first so that a device is never opened (opening one can act on it) ...
            BasicFileAttributes before = lstat(parent, n.last(), name);
            if (before == null) {
                throw new FileStoreException(FileStatus.NOT_FOUND, "no such file: " + printable(name));
            }
            checkRegular(before, name);
            // ... and checked again on the open fd, which is what is read: O_NONBLOCK so a FIFO swapped
            // in meanwhile cannot block the open, O_NOFOLLOW so a link swapped in is refused (ELOOP),
            // O_NOCTTY so a terminal never becomes the server's. (A device renamed in between would be
            // opened, then refused: devices cannot be made or moved into the root without privileges.)
            try (Beneath.Fd file = beneath.open(parent, n.last(), Beneath.O_RDONLY | Beneath.O_NONBLOCK | Beneath.O_NOCTTY, 0)) {
                checkRegular(Files.readAttributes(file.path(), BasicFileAttributes.class), name);
                channel = FileChannel.open(file.path(), StandardOpenOption.READ);
            }
            if (offset < 0 || offset > channel.size()) {
                throw new FileStoreException(FileStatus.INVALID_REQUEST, "offset " + offset + " past the end of " + printable(name));
            }
            channel.position(offset);
            Download download = new Download(channel, name);
            channel = null;
            return download;
        } catch (LastErrorException e) {
            throw e.getErrorCode() == Beneath.ELOOP
                    ? new FileStoreException(FileStatus.PERMISSION_DENIED, "a link is never followed: " + printable(name), e)
                    : Beneath.failure(e, printable(name));
        } catch (IOException e) {
            throw FileStoreException.of(e, printable(name));
        } finally {
            if (channel != null) {
                new Download(channel, name).close();
            }
        }
    }

    /** GET reads regular files only: a directory is 21, anything else (link, FIFO, device, socket) 13. */
    private static void checkRegular(BasicFileAttributes a, String name) throws FileStoreException {
        if (a.isDirectory()) {
            throw new FileStoreException(FileStatus.IS_A_DIRECTORY, "is a directory: " + printable(name));
        }
        if (!a.isRegularFile()) {
            throw new FileStoreException(FileStatus.PERMISSION_DENIED, (a.isSymbolicLink()
                    ? "a link is never followed: " : "not a regular file: ") + printable(name));
        }
    }
}
