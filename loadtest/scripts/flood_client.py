#!/usr/bin/env python3
"""The input flood of BENCHMARKS.md "Input flood" (issue #15). Loopback only, bounded.

  flood_client.py PORT MBYTES PW [LINE]   # logs in, types MBYTES in lines of LINE bytes (default 80,
                                          # Enter included), reads what comes back

Prints one line of key=value pairs on stdout. Standard library only.
"""
import base64
import os
import socket
import struct
import sys
import threading
import time


def frame(opcode, payload):
    """One masked client frame (RFC 6455 §5.2)."""
    n = len(payload)
    if n < 126:
        head = struct.pack("!BB", 0x80 | opcode, 0x80 | n)
    elif n < 65536:
        head = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, n)
    else:
        head = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, n)
    key = os.urandom(4)
    masked = bytes(b ^ key[i & 3] for i, b in enumerate(payload)) if n < 1024 else \
        (int.from_bytes(payload, "big") ^ int.from_bytes((key * (n // 4 + 1))[:n], "big")).to_bytes(n, "big")
    return head + key + masked


def connect(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.connect(("127.0.0.1", port))
    key = base64.b64encode(os.urandom(16)).decode()
    s.sendall(("GET / HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
               "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n" % (port, key)).encode())
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = s.recv(1)
        if not chunk:
            raise SystemExit("closed during the handshake")
        head += chunk
    if b" 101 " not in head.split(b"\r\n", 1)[0]:
        raise SystemExit("handshake refused: %r" % head.split(b"\r\n", 1)[0])
    return s


def read_until(s, marker, limit=1 << 20):
    got = b""
    while marker not in got:
        chunk = s.recv(65536)
        if not chunk:
            raise SystemExit("closed while waiting for %r: %r" % (marker, got[-200:]))
        got += chunk
        if len(got) > limit:
            got = got[-len(marker) * 2:]
    return got


def input_flood(port, mbytes, password, line_length):
    s = connect(port)
    read_until(s, b"Password: ")
    s.sendall(frame(0x1, password.encode() + b"\r"))
    read_until(s, b"connected")
    received = [0]

    def drain():
        while True:
            try:
                chunk = s.recv(262144)
            except OSError:
                return
            if not chunk:
                return
            received[0] += len(chunk)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    line = (b"x" * (line_length - 1)) + b"\r"   # typed lines, echoed back by the line discipline
    payload = line * max(1, 16000 // line_length)  # about 16,000 bytes per text frame
    one = frame(0x1, payload)
    total = mbytes * 1_000_000
    sent = 0
    start = time.monotonic()
    while sent < total:
        s.sendall(one)
        sent += len(payload)
    elapsed = time.monotonic() - start
    # Wait (bounded) until the echo of everything has come back, then close properly.
    deadline = time.monotonic() + 120
    while received[0] < sent and time.monotonic() < deadline:
        time.sleep(0.2)
    s.sendall(frame(0x8, struct.pack("!H", 1000)))
    s.close()
    print("mode=input sent_bytes=%d received_bytes=%d seconds=%.1f MBps=%.0f"
          % (sent, received[0], elapsed, sent / elapsed / 1e6))


if __name__ == "__main__":
    if len(sys.argv) < 4:
        raise SystemExit(__doc__)
    input_flood(int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], int(sys.argv[4]) if len(sys.argv) > 4 else 80)
