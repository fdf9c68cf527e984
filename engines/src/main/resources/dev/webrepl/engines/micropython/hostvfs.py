# The session's file root as MicroPython's "/": a VFS object (the protocol of extmod/vfs.c:
# mount, umount, ilistdir, stat, statvfs, open, chdir, getcwd, mkdir, rmdir, remove, rename)
# whose every operation is a synchronous call into runner.mjs (module _hostfs). The JS side
# owns path safety (normalisation, no symlinks); this file only shapes results as a board's
# VfsFat does and raises OSError with a board's errno values.
# File data crosses by address (uctypes.addressof): the JS side copies straight between the
# host file and the VM's memory, so a 1 MB read is one call and no conversion.
import builtins
import io
import os
import sys
import uctypes
import _hostfs as H

_IFDIR = 0x4000
_IFREG = 0x8000
_CHUNK = 4096


def _chk(r):
    if isinstance(r, int) and r < 0:
        raise OSError(-r)
    return r


def _utf8_tail(data):
    # How many bytes are missing to complete the UTF-8 sequence that ends `data`.
    n = len(data)
    i = n - 1
    while i >= 0 and n - i <= 4:
        b = data[i]
        if b & 0xC0 != 0x80:
            need = 1 if b < 0x80 else 2 if b < 0xE0 else 3 if b < 0xF0 else 4
            return max(0, need - (n - i))
        i -= 1
    return 0


# A subclass of io.IOBase, so that native code reading a stream (import, exec of a file) reaches
# readinto/write/ioctl; Python code calls the methods below directly.
class HostFile(io.IOBase):
    def __init__(self, fd, text, append, readable, writable):
        self._fd = fd
        self._text = text
        self._append = append
        self._readable = readable
        self._writable = writable
        self._pos = 0

    def _open(self):
        if self._fd < 0:
            raise OSError(9)

    def _read_bytes(self, n):
        self._open()
        if not self._readable:
            raise OSError(9)
        if n is None or n < 0:
            out = []
            while True:
                part = self._read_bytes(_CHUNK * 16)
                if not part:
                    return b"".join(out)
                out.append(part)
        if n == 0:
            return b""
        buf = bytearray(n)
        got = _chk(H.read(self._fd, uctypes.addressof(buf), n, self._pos))
        self._pos += got
        return bytes(buf) if got == n else bytes(buf[:got])

    def read(self, n=-1):
        data = self._read_bytes(n)
        if not self._text:
            return data
        if n is not None and n > 0:
            missing = _utf8_tail(data)
            if missing:
                data += self._read_bytes(missing)
        return data.decode()

    def readinto(self, buf, n=None):
        self._open()
        if not self._readable:
            raise OSError(9)
        size = len(buf) if n is None else min(n, len(buf))
        if size == 0:
            return 0
        got = _chk(H.read(self._fd, uctypes.addressof(buf), size, self._pos))
        self._pos += got
        return got

    def readline(self, limit=-1):
        parts = []
        total = 0
        while True:
            want = _CHUNK if limit < 0 else min(_CHUNK, limit - total)
            if want <= 0:
                break
            start = self._pos
            chunk = self._read_bytes(want)
            if not chunk:
                break
            i = chunk.find(b"\n")
            if i >= 0:
                chunk = chunk[: i + 1]
                self._pos = start + i + 1
                parts.append(chunk)
                break
            parts.append(chunk)
            total += len(chunk)
        line = b"".join(parts)
        return line.decode() if self._text else line

    def readlines(self):
        return list(self)

    def __iter__(self):
        return self

    def __next__(self):
        line = self.readline()
        if not line:
            raise StopIteration
        return line

    def write(self, data):
        self._open()
        if not self._writable:
            raise OSError(9)
        if isinstance(data, str):
            data = data.encode()
        n = len(data)
        if n == 0:
            return 0
        done = _chk(H.write(self._fd, uctypes.addressof(data), n, -1 if self._append else self._pos))
        self._pos = _chk(H.size(self._fd)) if self._append else self._pos + done
        return done

    def seek(self, offset, whence=0):
        self._open()
        if whence == 1:
            offset += self._pos
        elif whence == 2:
            offset += _chk(H.size(self._fd))
        if offset < 0:
            raise OSError(22)
        self._pos = offset
        return offset

    def tell(self):
        self._open()
        return self._pos

    def flush(self):
        self._open()

    def close(self):
        if self._fd >= 0:
            fd = self._fd
            self._fd = -1
            _chk(H.close(fd))

    def ioctl(self, request, arg):
        # Requests of py/stream.h that a native reader makes: 1 flush, 4 close.
        if request == 4:
            self.close()
        return 0

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class HostVFS:
    def __init__(self):
        self._cwd = "/"

    def _abs(self, path):
        if path.startswith("/"):
            return path
        return self._cwd + "/" + path

    def mount(self, readonly, mkfs):
        pass

    def umount(self):
        pass

    def ilistdir(self, path):
        listing = _chk(H.listdir(self._abs(path)))
        if not listing:
            return iter(())
        entries = []
        for item in listing.split("/"):
            kind, size, name = item.split(":", 2)
            entries.append((name, _IFDIR if kind == "d" else _IFREG, 0, int(size)))
        return iter(entries)

    def stat(self, path):
        kind, size, mtime = _chk(H.stat(self._abs(path))).split(":")
        size = int(size)
        mtime = int(mtime)
        return (_IFDIR if kind == "d" else _IFREG, 0, 0, 0, 0, 0, size, mtime, mtime, mtime)

    def statvfs(self, path):
        return tuple(int(x) for x in _chk(H.statvfs(self._abs(path))).split(":"))

    def open(self, path, mode):
        text = "b" not in mode
        plus = "+" in mode
        if "w" in mode:
            how = "w"
        elif "a" in mode:
            how = "a"
        elif "x" in mode:
            how = "x"
        else:
            how = "r"
        fd = _chk(H.open(self._abs(path), how + ("+" if plus else "")))
        return HostFile(fd, text, how == "a", how == "r" or plus, how != "r" or plus)

    def chdir(self, path):
        self._cwd = _chk(H.realdir(self._abs(path)))

    def getcwd(self):
        return self._cwd

    def mkdir(self, path):
        _chk(H.mkdir(self._abs(path)))

    def rmdir(self, path):
        _chk(H.rmdir(self._abs(path)))

    def remove(self, path):
        _chk(H.remove(self._abs(path)))

    def rename(self, old, new):
        _chk(H.rename(self._abs(old), self._abs(new)))


class _Machine:
    # The port has no machine module; tools call machine.soft_reset() (a board raises SystemExit,
    # which the REPL turns into a soft reset).
    @staticmethod
    def soft_reset():
        raise SystemExit

    reset = soft_reset

    @staticmethod
    def unique_id():
        # A board's chip id, bytes; Thonny reads it at connect to tell boards apart. Every session of
        # one server shares one file root, i.e. is the same "board": a fixed id.
        return b"webrepl\x01"


_after_cr = False


def _input(prompt=None):
    # The port's own input() spins without reading anything; this one reads the REPL's input through
    # runner.mjs (waiting, as a board's UART read does), echoes it and ends the line at Enter as a
    # board's readline does (backspace edits; Ctrl-C raises KeyboardInterrupt, Ctrl-D on an empty
    # line EOFError). A "\n" right after the "\r" that ended the previous line is skipped.
    global _after_cr
    if prompt is not None:
        print(prompt, end="")
    line = []
    while True:
        b = H.stdin()
        if b == 10 and _after_cr and not line:
            _after_cr = False
            continue
        _after_cr = False
        if b is None or (b == 4 and not line):
            raise EOFError
        if b == 3:
            print()
            raise KeyboardInterrupt
        if b == 13 or b == 10:
            _after_cr = b == 13
            print()
            return bytes(line).decode()
        if b == 8 or b == 127:
            if line:
                while line and line[-1] & 0xC0 == 0x80:
                    line.pop()
                if line:
                    line.pop()
                H.echo(8)
                H.echo(32)
                H.echo(8)
        elif b >= 32 or b == 9:
            line.append(b)
            H.echo(b)


builtins.input = _input

if not hasattr(os, "uname"):
    # A board's os.uname() (rshell, Thonny's board detection, mpfshell's connect); this port has none.
    # As extmod/modos.c answers: sysname and nodename sys.platform ("webassembly"), release the
    # version ("1.27.0"), version "v<git tag> on <date>", machine the board ("JS with Emscripten").
    # The same as boardos.py gives the unix port.
    from collections import namedtuple

    _v = sys.implementation.version
    _version = sys.version.split("; ", 1)[-1]
    _uname = namedtuple("uname_result", ("sysname", "nodename", "release", "version", "machine"))(
        sys.platform,
        sys.platform,
        ".".join(str(n) for n in _v[:3]) + ("-" + _v[3] if len(_v) > 3 and _v[3] else ""),
        _version[12:] if _version.startswith("MicroPython ") else _version,
        sys.implementation._machine,
    )
    os.uname = lambda: _uname
# os is micropython-lib's package frozen into this port (the built-in plus os.path; it takes new
# attributes), but "import uos" would bypass it for the built-in, which has no uname (mpfshell
# imports uos): the same module under both names, as on a board.
sys.modules["uos"] = os
os.umount("/")
os.mount(HostVFS(), "/")
os.chdir("/")
sys.modules["machine"] = _Machine
