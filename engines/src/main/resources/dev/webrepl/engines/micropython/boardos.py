# The unix port's os module as a board's: the built-in os plus uname(). The built-in has no uname and
# takes no new attribute (its globals are in ROM), so MicroPythonRuntime.rootScript imports this source
# as the module os (from a VFS in memory, before the REPL starts) and makes it uos too. "uos" below is
# the built-in: an import of u<name> for an extensible built-in bypasses sys.path.
from uos import *


def _board_uname():
    # What extmod/modos.c answers on a board: sysname and nodename are sys.platform ("linux" here),
    # release the version ("1.29.0-preview"), version "v<git tag> on <date>", machine the board.
    import sys

    v = sys.implementation.version
    release = ".".join(str(n) for n in v[:3]) + ("-" + v[3] if len(v) > 3 and v[3] else "")
    version = sys.version.split("; ", 1)[-1]
    if version.startswith("MicroPython "):
        version = version[12:]
    info = (sys.platform, sys.platform, release, version, sys.implementation._machine)
    try:
        from collections import namedtuple

        info = namedtuple("uname_result", ("sysname", "nodename", "release", "version", "machine"))(*info)
    except ImportError:
        pass

    def uname():
        return info

    return uname


uname = _board_uname()
del _board_uname
# Shown as the built-in is: <module 'os'>, without the VFS path it was read from.
globals().pop("__file__", None)
