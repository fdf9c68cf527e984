package dev.webrepl.testkit.clients;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.Pipe;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

/**
 * MicroPython's official command-line client, {@code webrepl_cli.py} (micropython/webrepl, spec §1.2,
 * §4.8), written down as a test client: our own code, doing what that script does, in the same order,
 * with the same number of socket writes.
 *
 * <p>What it does:
 * <ul>
 * <li><b>Handshake.</b> One write of a fixed request: {@code GET /}, {@code Host: echo.websocket.org},
 *     {@code Connection: Upgrade}, {@code Upgrade: websocket}, {@code Sec-WebSocket-Key: foo}; no
 *     {@code Sec-WebSocket-Version}, no {@code Origin}. It reads the answer line by line up to the blank
 *     line and checks nothing (not the status, not the accept value).
 * <li><b>Frames out.</b> Unmasked, FIN set, {@code 0x82} (binary) unless it says text ({@code 0x81},
 *     only the REPL's keystrokes); a 7- or 16-bit length. Each frame is two {@code send()}s, the header
 *     and then the payload, on a socket without {@code TCP_NODELAY}, so Nagle's algorithm holds the
 *     payload until the header is acknowledged.
 * <li><b>Frames in.</b> Its reader takes a whole frame into a buffer and hands it out in pieces. When
 *     the buffer is empty it reads frame headers until it meets a {@code 0x82} (or a {@code 0x81} when
 *     text is welcome), skipping every other frame, control frames included, by reading its payload
 *     away. It never answers a ping and never sends a close frame: it closes the socket.
 * <li><b>Login.</b> It reads one byte at a time (text welcome) until {@code :}, requires the next byte
 *     to be a space, then sends the password and {@code \r} as one binary frame. Then it always sends
 *     GET_VER (one frame) and reads the 3-byte answer, skipping the text frames that came first
 *     ({@code WebREPL connected} and whatever followed).
 * <li><b>REPL</b> ({@code webrepl_cli.py -p PW host:port}): the terminal is raw; a loop {@code select()}s
 *     on the keyboard and the socket with no timeout. It then reads one keyboard byte if one is ready
 *     (Ctrl-] ends the loop) and sends it as its own text frame. If the socket was readable it calls the
 *     frame reader for one byte, text welcome, and prints the rest of that frame's buffer: bytes 8, 9, 10,
 *     13, 27 and from 32 up as they are, others as {@code [%02x]}. The reader does not return before it
 *     has a data frame: after skipping a ping it blocks in {@code recv()} for the next frame, and the
 *     keyboard is not read until some data frame arrives. A server that pings such a client freezes its
 *     terminal (issue #16 point 1).
 * <li><b>PUT</b> ({@code webrepl_cli.py -p PW local host:port:/remote}): the request record (UTF-8 name)
 *     written as two frames, its first 10 bytes and the other 72; one 4-byte answer that must be
 *     {@code WB 00 00}; the file in 1024-byte frames; again {@code WB 00 00}.
 * <li><b>GET</b>: the record as one frame, {@code WB 00 00}; then, per chunk, an acknowledgement
 *     {@code 00} (one binary frame: a 2-byte and a 1-byte send), a 2-byte little-endian length and that
 *     many bytes, up to a length of 0; then {@code WB 00 00}. A frame shorter than what it asks of the
 *     buffer fails an assertion.
 * </ul>
 *
 * <p>Where the script would block forever or die on an {@code assert}, this client fails with an
 * {@link AssertionError} that says what it waited for and what it got; every wait is bounded by the
 * {@code bound} given to {@link #connect}.
 */
public final class OfficialCli implements AutoCloseable {
    static final byte[] REQUEST = ("GET / HTTP/1.1\r\nHost: echo.websocket.org\r\nConnection: Upgrade\r\n"
            + "Upgrade: websocket\r\nSec-WebSocket-Key: foo\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1);
    private static final int TEXT = 0x81;
    private static final int BINARY = 0x82;

    private final SocketChannel socket;
    /** Waits on the socket alone: the script's blocking {@code recv()}, which does not see the keyboard. */
    private final Selector socketOnly;
    private final Selector writable;
    private final Duration bound;
    private byte[] buf = new byte[0];
    private volatile String doing = "connecting";
    private volatile Terminal terminal;
    private volatile boolean closed;
    private final java.util.concurrent.atomic.AtomicInteger framesWritten = new java.util.concurrent.atomic.AtomicInteger();

    private OfficialCli(SocketChannel socket, Duration bound) throws IOException {
        this.socket = socket;
        this.bound = bound;
        this.socketOnly = Selector.open();
        this.writable = Selector.open();
        socket.register(socketOnly, SelectionKey.OP_READ);
        socket.register(writable, SelectionKey.OP_WRITE);
    }

    /** Connects to {@code host:port} and makes the script's handshake; every wait is bounded by {@code bound}. */
    public static OfficialCli connect(String host, int port, Duration bound) throws IOException {
        SocketChannel s = SocketChannel.open(new InetSocketAddress(host, port));
        try {
            // The script never sets TCP_NODELAY (spec §1.2: its GET acknowledgements crawl because of it).
            s.setOption(StandardSocketOptions.TCP_NODELAY, false);
            s.configureBlocking(false);
            OfficialCli cli = new OfficialCli(s, bound);
            cli.handshake();
            return cli;
        } catch (IOException | RuntimeException | Error e) {
            s.close();
            throw e;
        }
    }

    private void handshake() throws IOException {
        doing = "handshake";
        send(REQUEST);
        // It reads the status line and the header lines up to an empty one, and checks none of them.
        while (!readLine().equals("\r\n")) {
            // skipped
        }
    }

    private String readLine() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        while (line.size() == 0 || line.toByteArray()[line.size() - 1] != '\n') {
            byte[] b = recv(1);
            if (b.length == 0) {
                throw new AssertionError("EOF in the handshake answer after " + Show.bytes(line.toByteArray()));
            }
            line.write(b[0]);
            if (line.size() > 8192) {
                throw new AssertionError("handshake line longer than 8 KiB: " + Show.bytes(line.toByteArray()));
            }
        }
        return line.toString(StandardCharsets.ISO_8859_1);
    }

    /**
     * What the script does after the handshake before any operation: the login (password and
     * {@code \r} once {@code ": "} has been read) and GET_VER; returns the server's version triple.
     */
    public int[] login(String password) throws IOException {
        doing = "waiting for the password prompt";
        while (true) {
            byte[] c = read(1, true);
            if (c[0] == ':') {
                byte[] space = read(1, true);
                if (space[0] != ' ') {
                    throw new AssertionError("the script asserts a space after ':', got " + Show.bytes(space));
                }
                break;
            }
        }
        write((password).getBytes(StandardCharsets.UTF_8), BINARY, "\r".getBytes(StandardCharsets.US_ASCII));
        doing = "GET_VER";
        write(FileRecord.pack(FileRecord.GET_VER, 0, new byte[0]), BINARY);
        byte[] v = read(3, false);
        return new int[] {v[0] & 0xFF, v[1] & 0xFF, v[2] & 0xFF};
    }

    /** {@code webrepl_cli.py -p PW local host:port:remote} after {@link #login}: the file is {@code data}. */
    public void put(byte[] data, String remote) throws IOException {
        doing = "PUT " + remote;
        byte[] rec = FileRecord.pack(FileRecord.PUT, data.length, remote.getBytes(StandardCharsets.UTF_8));
        write(Arrays.copyOfRange(rec, 0, 10), BINARY);
        write(Arrays.copyOfRange(rec, 10, rec.length), BINARY);
        expectStatusZero("the PUT's first answer");
        for (int off = 0; off < data.length; off += 1024) {
            write(Arrays.copyOfRange(data, off, Math.min(data.length, off + 1024)), BINARY);
        }
        expectStatusZero("the PUT's final answer");
    }

    /** {@code webrepl_cli.py -p PW host:port:remote local} after {@link #login}: returns the file's bytes. */
    public byte[] get(String remote) throws IOException {
        doing = "GET " + remote;
        write(FileRecord.pack(FileRecord.GET, 0, remote.getBytes(StandardCharsets.UTF_8)), BINARY);
        expectStatusZero("the GET's first answer");
        ByteArrayOutputStream file = new ByteArrayOutputStream();
        while (true) {
            write(new byte[] {0}, BINARY);
            byte[] n = read(2, false);
            int size = (n[0] & 0xFF) | (n[1] & 0xFF) << 8;
            if (size == 0) {
                break;
            }
            file.write(read(size, false));
        }
        expectStatusZero("the GET's final answer");
        return file.toByteArray();
    }

    private void expectStatusZero(String what) throws IOException {
        byte[] r = read(4, false);
        if (r[0] != 'W' || r[1] != 'B' || r[2] != 0 || r[3] != 0) {
            throw new AssertionError("the script asserts WB 00 00 as " + what + ", got " + Show.bytes(r));
        }
    }

    /**
     * Starts the REPL loop ({@code webrepl_cli.py -p PW host:port} after {@link #login}) on a thread of its
     * own, as the script's process; the returned terminal types into its keyboard and reads its screen.
     */
    public Terminal repl() throws IOException {
        Terminal t = new Terminal();
        terminal = t;
        t.thread.start();
        return t;
    }

    /** The keyboard and the screen of a running REPL loop. */
    public final class Terminal {
        private final Pipe keyboard = Pipe.open();
        private final Selector both = Selector.open();
        private final ByteArrayOutputStream screen = new ByteArrayOutputStream();
        private final Thread thread = new Thread(this::loop, "webrepl_cli REPL");
        private volatile Throwable died;
        private volatile boolean exited;

        private Terminal() throws IOException {
            keyboard.source().configureBlocking(false);
            keyboard.source().register(both, SelectionKey.OP_READ);
            socket.register(both, SelectionKey.OP_READ);
            thread.setDaemon(true);
        }

        /** Types {@code keys} (as bytes on a raw terminal: {@code \r} for Enter). */
        public void type(String keys) throws IOException {
            ByteBuffer b = ByteBuffer.wrap(keys.getBytes(StandardCharsets.UTF_8));
            while (b.hasRemaining()) {
                keyboard.sink().write(b);
            }
        }

        /** Everything printed so far. */
        public String screen() {
            synchronized (screen) {
                return screen.toString(StandardCharsets.UTF_8);
            }
        }

        /**
         * Waits until the screen ends with {@code ending} and returns all of it; fails after the bound with
         * the screen and what the loop was doing (e.g. blocked in {@code recv()} after skipping a ping).
         */
        public String awaitScreenEndingWith(String ending) throws InterruptedException {
            long deadline = System.nanoTime() + bound.toNanos();
            synchronized (screen) {
                while (!screen.toString(StandardCharsets.UTF_8).endsWith(ending)) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0 || died != null || exited) {
                        throw new AssertionError("the CLI's screen did not come to end with "
                                + Show.bytes(ending.getBytes(StandardCharsets.UTF_8)) + " within " + bound
                                + "; screen " + Show.bytes(screen.toByteArray()) + "; the REPL loop was " + doing
                                + (died != null ? "; it died: " + died : ""), died);
                    }
                    TimeUnit.NANOSECONDS.timedWait(screen, left);
                }
                return screen.toString(StandardCharsets.UTF_8);
            }
        }

        /** Types Ctrl-] and waits until the loop has ended. */
        public void exit() throws IOException, InterruptedException {
            type("\u001d");
            thread.join(bound.toMillis());
            if (thread.isAlive()) {
                throw new AssertionError("the REPL loop did not end on Ctrl-] within " + bound + "; it was " + doing);
            }
        }

        private void loop() {
            try {
                ByteBuffer one = ByteBuffer.allocate(1);
                while (true) {
                    doing = "in select() on the keyboard and the socket";
                    both.select();
                    if (closed) {
                        break;
                    }
                    boolean socketReady = false;
                    for (SelectionKey k : both.selectedKeys()) {
                        socketReady |= k.channel() == socket;
                    }
                    both.selectedKeys().clear();
                    // readchar(): one keyboard byte if one is ready (a select with timeout 0).
                    one.clear();
                    if (keyboard.source().read(one) == 1) {
                        byte c = one.get(0);
                        if (c == 0x1d) {
                            break;
                        }
                        doing = "sending a keystroke";
                        write(new byte[] {c}, TEXT);
                    }
                    if (socketReady) {
                        doing = "reading a frame (the socket was readable)";
                        byte[] c = read(1, true);
                        while (c != null) {
                            print(c[0]);
                            c = buf.length > 0 ? read(1, false) : null;
                        }
                    }
                }
            } catch (Throwable t) {
                died = t;
            } finally {
                exited = true;
                synchronized (screen) {
                    screen.notifyAll();
                }
                closeQuietly();
            }
        }

        /** The loop's own selector and keyboard; the loop has ended, so a failure to close changes nothing. */
        private void closeQuietly() {
            for (java.io.Closeable c : new java.io.Closeable[] {both, keyboard.source(), keyboard.sink()}) {
                try {
                    c.close();
                } catch (IOException e) {
                    died = died != null ? died : e;
                }
            }
        }

        private void print(byte b) {
            int oc = b & 0xFF;
            synchronized (screen) {
                if (oc == 8 || oc == 9 || oc == 10 || oc == 13 || oc == 27 || oc >= 32) {
                    screen.write(oc);
                } else {
                    screen.writeBytes(String.format("[%02x]", oc).getBytes(StandardCharsets.US_ASCII));
                }
                screen.notifyAll();
            }
        }
    }

    // ---- the script's websocket class ----

    /** {@code websocket.write}: the header, then the payload ({@code data} and {@code extra}): two sends. */
    private void write(byte[] data, int frame, byte[]... extra) throws IOException {
        framesWritten.incrementAndGet();
        ByteArrayOutputStream p = new ByteArrayOutputStream();
        p.writeBytes(data);
        for (byte[] e : extra) {
            p.writeBytes(e);
        }
        byte[] payload = p.toByteArray();
        int l = payload.length;
        if (l > 0xFFFF) {
            // struct.pack(">BBH") raises struct.error: the script has no 64-bit length (spec §1.2).
            throw new AssertionError("the script cannot send a frame of " + l + " bytes");
        }
        byte[] hdr = l < 126 ? new byte[] {(byte) frame, (byte) l}
                : new byte[] {(byte) frame, 126, (byte) (l >> 8), (byte) l};
        send(hdr);
        send(payload);
    }

    /** {@code websocket.read(size, text_ok)}: a piece of the buffered frame, reading frames when it is empty. */
    private byte[] read(int size, boolean textOk) throws IOException {
        if (buf.length == 0) {
            String was = doing;
            while (true) {
                byte[] hdr = recvExactly(2);
                int fl = hdr[0] & 0xFF;
                int sz = hdr[1] & 0xFF;
                if (sz == 126) {
                    byte[] ext = recvExactly(2);
                    sz = (ext[0] & 0xFF) << 8 | (ext[1] & 0xFF);
                }
                if (fl == BINARY || (textOk && fl == TEXT)) {
                    buf = recvExactly(sz);
                    break;
                }
                // "Got unexpected websocket record ... skipping it"; the next header read blocks.
                doing = was + ", blocked in recv() after skipping a frame " + String.format("%02x", fl);
                while (sz > 0) {
                    byte[] skip = recv(sz);
                    if (skip.length == 0) {
                        throw new AssertionError("EOF while skipping a frame " + String.format("%02x", fl));
                    }
                    sz -= skip.length;
                }
            }
        }
        byte[] d = Arrays.copyOfRange(buf, 0, Math.min(size, buf.length));
        buf = Arrays.copyOfRange(buf, d.length, buf.length);
        if (d.length != size) {
            throw new AssertionError("the script asserts a read of " + size + " bytes from one frame; the frame had "
                    + Show.bytes(d));
        }
        return d;
    }

    private byte[] recvExactly(int sz) throws IOException {
        ByteArrayOutputStream res = new ByteArrayOutputStream();
        while (res.size() < sz) {
            byte[] data = recv(sz - res.size());
            if (data.length == 0) {
                throw new AssertionError("EOF after " + Show.bytes(res.toByteArray()) + " of " + sz
                        + " expected bytes while " + doing);
            }
            res.writeBytes(data);
        }
        return res.toByteArray();
    }

    /** A blocking {@code recv(n)}: at least one byte, at most {@code n}; empty at EOF. Bounded here. */
    private byte[] recv(int n) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(n);
        long deadline = System.nanoTime() + bound.toNanos();
        while (true) {
            int r = socket.read(b);
            if (r < 0) {
                return new byte[0];
            }
            if (r > 0) {
                return Arrays.copyOf(b.array(), r);
            }
            long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            if (left <= 0) {
                throw new AssertionError("blocked in recv() for " + bound + " while " + doing);
            }
            socketOnly.select(left);
            socketOnly.selectedKeys().clear();
        }
    }

    private void send(byte[] data) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(data);
        long deadline = System.nanoTime() + bound.toNanos();
        while (b.hasRemaining()) {
            if (socket.write(b) == 0) {
                long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (left <= 0) {
                    throw new AssertionError("could not send for " + bound + " while " + doing);
                }
                writable.select(left);
                writable.selectedKeys().clear();
            }
        }
    }

    /** Frames written so far (each as the script writes it: a header and a payload). */
    public int framesWritten() {
        return framesWritten.get();
    }

    /** The local port of the connection (for finding the server's side of it). */
    public int localPort() throws IOException {
        return ((java.net.InetSocketAddress) socket.getLocalAddress()).getPort();
    }

    /** Closes the socket, as the script does at its end (no close frame). */
    @Override
    public void close() throws IOException {
        closed = true;
        Terminal t = terminal;
        if (t != null) {
            t.both.wakeup();
        }
        try {
            socket.close();
        } finally {
            socketOnly.close();
            writable.close();
        }
    }
}
