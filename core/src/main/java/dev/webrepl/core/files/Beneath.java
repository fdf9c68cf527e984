package dev.webrepl.core.files;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The libc calls that keep file operations beneath the root: every name is looked up one component
 * at a time relative to an open directory ({@code openat}, {@code mkdirat}, {@code renameat},
 * {@code unlinkat}) and no symlink is followed on the way (issue #15.1). Linux on x86_64 or
 * aarch64 only: the {@code O_*} values differ between the two, and other systems are refused.
 */
final class Beneath {
    static final int AT_FDCWD = -100;
    static final int AT_REMOVEDIR = 0x200;

    static final int O_RDONLY = 0;
    static final int O_WRONLY = 1;
    static final int O_CREAT = 0100;
    static final int O_EXCL = 0200;
    static final int O_NOCTTY = 0400;
    static final int O_NONBLOCK = 04000;
    static final int O_CLOEXEC = 02000000;
    static final int O_PATH = 010000000;

    // errno values (the same on every Linux architecture)
    static final int EPERM = 1;
    static final int ENOENT = 2;
    static final int EIO = 5;
    static final int EACCES = 13;
    static final int EEXIST = 17;
    static final int EXDEV = 18;
    static final int ENOTDIR = 20;
    static final int EISDIR = 21;
    static final int EINVAL = 22;
    static final int ENOSPC = 28;
    static final int EROFS = 30;
    static final int ENAMETOOLONG = 36;
    static final int ENOTEMPTY = 39;
    static final int ELOOP = 40;
    static final int EDQUOT = 122;

    private interface LibC extends Library {
        int openat(int dirfd, byte[] path, int flags, int mode) throws LastErrorException;

        int mkdirat(int dirfd, byte[] path, int mode) throws LastErrorException;

        int unlinkat(int dirfd, byte[] path, int flags) throws LastErrorException;

        int renameat(int olddirfd, byte[] oldpath, int newdirfd, byte[] newpath) throws LastErrorException;

        int fchmod(int fd, int mode) throws LastErrorException;

        int close(int fd) throws LastErrorException;
    }

    private final LibC libc;
    /** O_DIRECTORY and O_NOFOLLOW of this architecture. */
    private final int oDirectory;
    private final int oNofollow;

    private Beneath(LibC libc, int oDirectory, int oNofollow) {
        this.libc = libc;
        this.oDirectory = oDirectory;
        this.oNofollow = oNofollow;
    }

    /** The calls for this machine; an operator-readable IllegalStateException on any other system. */
    static Beneath forThisMachine() {
        String os = System.getProperty("os.name", "");
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        if (!os.equals("Linux")) {
            throw new IllegalStateException("the file store needs Linux (openat without following symlinks); this is " + os);
        }
        int[] flags = switch (arch) {
            case "amd64", "x86_64" -> new int[] {0200000, 0400000};
            case "aarch64", "arm64" -> new int[] {040000, 0100000};
            default -> throw new IllegalStateException(
                    "the file store knows the open(2) flags of x86_64 and aarch64 only; this is " + arch);
        };
        return new Beneath(Native.load("c", LibC.class), flags[0], flags[1]);
    }

    int oDirectory() {
        return oDirectory;
    }

    int oNofollow() {
        return oNofollow;
    }

    /** The path through which ordinary NIO reaches what {@code fd} is open on, not by its name. */
    static Path procPath(int fd) {
        return Path.of("/proc/self/fd/" + fd);
    }

    /**
     * How the JVM turns file names into bytes (its locale's charset: UTF-8 under {@code ./webrepl}).
     * The libc calls here use the same, so a check through NIO and the use through libc always name
     * the same file; a name it cannot encode is refused by {@link StoreName#parse}.
     */
    static final Charset NAMES = namesCharset();

    private static Charset namesCharset() {
        try {
            return Charset.forName(System.getProperty("sun.jnu.encoding", "UTF-8"));
        } catch (IllegalArgumentException unknown) {
            return StandardCharsets.UTF_8;
        }
    }

    /** Whether {@code name} has a form in {@link #NAMES} (every character encodable). */
    static boolean encodable(String name) {
        return NAMES.newEncoder().canEncode(name);
    }

    /** {@code name} as a NUL-terminated byte array in {@link #NAMES}, as libc wants it. */
    static byte[] c(String name) {
        byte[] bytes = name.getBytes(NAMES);
        byte[] out = new byte[bytes.length + 1];
        System.arraycopy(bytes, 0, out, 0, bytes.length);
        return out;
    }

    /** A directory (O_PATH) open on the absolute, trusted {@code path}, following links in it. */
    Fd openTrustedDirectory(Path path) throws LastErrorException {
        return new Fd(this, libc.openat(AT_FDCWD, c(path.toString()), O_PATH | oDirectory | O_CLOEXEC, 0));
    }

    /** The directory {@code name} in {@code dir}: ENOTDIR if it is not one (a link included, see {@link #isLink}). */
    Fd openDirectory(Fd dir, String name) throws LastErrorException {
        return new Fd(this, libc.openat(dir.fd(), c(name), O_PATH | oDirectory | oNofollow | O_CLOEXEC, 0));
    }

    Fd open(Fd dir, String name, int flags, int mode) throws LastErrorException {
        return new Fd(this, libc.openat(dir.fd(), c(name), flags | oNofollow | O_CLOEXEC, mode));
    }

    void mkdir(Fd dir, String name, int mode) throws LastErrorException {
        libc.mkdirat(dir.fd(), c(name), mode);
    }

    void unlink(Fd dir, String name, int flags) throws LastErrorException {
        libc.unlinkat(dir.fd(), c(name), flags);
    }

    void rename(int fromDir, String from, Fd toDir, String to) throws LastErrorException {
        libc.renameat(fromDir, c(from), toDir.fd(), c(to));
    }

    void fchmod(Fd file, int mode) throws LastErrorException {
        libc.fchmod(file.fd(), mode);
    }

    void close(int fd) {
        try {
            libc.close(fd);
        } catch (LastErrorException ignored) {
            // a directory or read-only fd: nothing is lost; the fd is released either way (close(2))
        }
    }

    /** The status a client is told for {@code errno} from one of these calls. */
    static FileStatus statusOf(int errno) {
        return switch (errno) {
            case ENOENT -> FileStatus.NOT_FOUND;
            case EACCES, EPERM, EROFS, ELOOP -> FileStatus.PERMISSION_DENIED;
            case EEXIST -> FileStatus.EXISTS;
            case ENOTDIR -> FileStatus.NOT_A_DIRECTORY;
            case EISDIR -> FileStatus.IS_A_DIRECTORY;
            case EINVAL -> FileStatus.INVALID_REQUEST;
            case ENOSPC, EDQUOT -> FileStatus.NO_SPACE;
            case ENAMETOOLONG -> FileStatus.NAME_TOO_LONG;
            case ENOTEMPTY -> FileStatus.NOT_EMPTY;
            default -> FileStatus.IO_ERROR;
        };
    }

    static FileStoreException failure(LastErrorException e, String name) {
        FileStatus status = statusOf(e.getErrorCode());
        return new FileStoreException(status, status.description() + ": " + name, e);
    }

    /** One open file descriptor; its owner closes it (try-with-resources). */
    static final class Fd implements AutoCloseable {
        private final Beneath beneath;
        private final int fd;
        private boolean closed;

        Fd(Beneath beneath, int fd) {
            this.beneath = beneath;
            this.fd = fd;
        }

        int fd() {
            return fd;
        }

        /** Where NIO reaches this fd's file or directory. */
        Path path() {
            return procPath(fd);
        }

        /** Where NIO reaches {@code name} inside this directory; its last component is never followed with NOFOLLOW_LINKS. */
        Path child(String name) {
            return procPath(fd).resolve(name);
        }

        @Override
        public void close() {
            if (!closed) {
                closed = true;
                beneath.close(fd);
            }
        }
    }
}
