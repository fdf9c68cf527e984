# The unix port's machine module as a board's: the built-in plus unique_id(), which Thonny's back end
# reads at connect to tell boards apart (it fails without one). Imported as the module machine by
# MicroPythonRuntime.rootScript, as boardos.py is as os; "umachine" below is the built-in. Every session
# of one server shares one file root, i.e. is the same "board": a fixed id, as the WebAssembly
# port's machine shim gives (hostvfs.py).
from umachine import *


def unique_id():
    return b"webrepl\x01"


# Shown as the built-in is: <module 'machine'>, without the VFS path it was read from.
globals().pop("__file__", None)
