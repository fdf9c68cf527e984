package dev.webrepl.engines.process;

import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The libc calls of the pty loop ({@link PtyLoop}), bound by JNA direct mapping: a call passes ints,
 * longs (native addresses of buffers the loop owns) and byte arrays, and allocates nothing on the Java
 * heap, unlike pty4j's interface-mapped calls, whose per-call {@code Memory} and Cleaner bookkeeping
 * were 40 % of the Java samples in BENCHMARKS.md "Against ttyd: baseline before issue #19's work".
 * The error of a failed call is {@link Native#getLastError()}. Linux, 64-bit (size_t and ssize_t are
 * Java longs).
 */
final class LinuxCalls {
    static final int EAGAIN = 11;
    static final int EINTR = 4;
    static final int EIO = 5;

    static final int EPOLLIN = 0x1;
    static final int EPOLLOUT = 0x4;
    static final int EPOLLERR = 0x8;
    static final int EPOLLHUP = 0x10;
    static final int EPOLL_CTL_ADD = 1;
    static final int EPOLL_CTL_DEL = 2;
    static final int EPOLL_CLOEXEC = 02000000;
    static final int EFD_NONBLOCK = 04000;
    static final int EFD_CLOEXEC = 02000000;
    static final int F_GETFL = 3;
    static final int F_SETFL = 4;
    static final int F_DUPFD_CLOEXEC = 1030;
    static final int O_NONBLOCK = 04000;
    /** pidfd_open(2): the same number on every Linux architecture (added in 5.3); called through syscall(2). */
    static final long SYS_PIDFD_OPEN = 434;
    static final int O_RDWR = 2;
    static final int O_NOCTTY = 0400;
    static final int O_CLOEXEC = 02000000;
    static final long TIOCSWINSZ = 0x5414;
    static final int WNOHANG = 1;
    static final int ECHILD = 10;
    static final int ESRCH = 3;
    static final short POSIX_SPAWN_SETSIGDEF = 0x04;
    static final short POSIX_SPAWN_SETSIGMASK = 0x08;
    static final short POSIX_SPAWN_SETSID = 0x80;

    /** struct epoll_event is packed on x86 (12 bytes, data at offset 4), naturally aligned elsewhere. */
    static final boolean PACKED_EPOLL_EVENT = Platform.ARCH.equals("x86-64") || Platform.ARCH.equals("x86");
    static final int EPOLL_EVENT_SIZE = PACKED_EPOLL_EVENT ? 12 : 16;
    static final int EPOLL_EVENT_DATA = PACKED_EPOLL_EVENT ? 4 : 8;

    static {
        if (!Platform.isLinux() || !Platform.is64Bit()) {
            throw new UnsupportedOperationException("the pty loop needs 64-bit Linux");
        }
        Native.register(LinuxCalls.class, NativeLibrary.getInstance(Platform.C_LIBRARY_NAME));
    }

    private LinuxCalls() {
    }

    static native int epoll_create1(int flags);

    static native int epoll_ctl(int epfd, int op, int fd, long event);

    static native int epoll_wait(int epfd, long events, int maxEvents, int timeoutMillis);

    static native int eventfd(int initial, int flags);

    static native long read(int fd, long buffer, long count);

    static native long write(int fd, long buffer, long count);

    static native long write(int fd, byte[] buffer, long count);

    static native int fcntl(int fd, int command, int argument);

    static native int close(int fd);

    static native long syscall(long number, long first, long second);

    // Spawning a child in a new pty (PtyChild); pointers are native addresses in a buffer of the caller's.

    static native int posix_openpt(int flags);

    static native int grantpt(int fd);

    static native int unlockpt(int fd);

    static native int ptsname_r(int fd, long buffer, long length);

    static native int ioctl(int fd, long request, byte[] argument);

    static native int tcgetattr(int fd, byte[] termios);

    static native int posix_spawn_file_actions_init(long actions);

    static native int posix_spawn_file_actions_destroy(long actions);

    static native int posix_spawn_file_actions_addopen(long actions, int fd, long path, int flags, int mode);

    static native int posix_spawn_file_actions_adddup2(long actions, int fd, int to);

    static native int posix_spawn_file_actions_addchdir_np(long actions, long path);

    static native int posix_spawn_file_actions_addclosefrom_np(long actions, int from);

    static native int posix_spawnattr_init(long attributes);

    static native int posix_spawnattr_destroy(long attributes);

    static native int posix_spawnattr_setflags(long attributes, short flags);

    static native int posix_spawnattr_setsigmask(long attributes, long signals);

    static native int posix_spawnattr_setsigdefault(long attributes, long signals);

    static native int sigemptyset(long signals);

    static native int sigfillset(long signals);

    static native int posix_spawn(long pid, long path, long actions, long attributes, long argv, long envp);

    static native int waitpid(int pid, long status, int options);

    static native int kill(int pid, int signal);

    static native int killpg(int group, int signal);

    /** A direct buffer in native byte order, and where it is. */
    static ByteBuffer direct(int size) {
        return ByteBuffer.allocateDirect(size).order(ByteOrder.nativeOrder());
    }

    static long address(ByteBuffer direct) {
        return Pointer.nativeValue(Native.getDirectBufferPointer(direct));
    }
}
