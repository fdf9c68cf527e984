package dev.webrepl.testkit.clients;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * mpfshell's WebREPL connection and file explorer (wendlers/mpfshell: {@code mp/conwebsock.py},
 * {@code mp/pyboard.py}, {@code mp/mpfexp.py}), written down as a test client: our own code, doing what
 * mpfshell does, in its order.
 *
 * <p>What mpfshell does:
 * <ul>
 * <li><b>Connect</b> ({@code ws:HOST,PW}) with {@code websocket-client}, always to port 8266 (this client
 *     takes the port), whose request carries {@code Origin: http://HOST:8266}, the server's own origin. A
 *     thread appends every message to a FIFO. Login: up to 10 characters within 5 s must contain
 *     {@code Password:}; it sends {@code PW\r} as a text message; up to 25 characters within 5 s must
 *     contain {@code WebREPL connected}. Its reads then give up after 1 s.
 * <li><b>Raw REPL</b> ({@code enter_raw_repl}; a WebREPL connection does not survive a soft reset, so the
 *     soft reset is skipped): 0.5 s pause, {@code \r\x03\x03} (two Ctrl-C), everything already received is
 *     thrown away, {@code \r\x01} (Ctrl-A), then bytes up to {@code raw REPL; CTRL-B to exit\r\n} within
 *     10 s, else "could not enter raw repl". A pty that sends {@code \r\r\n} fails here.
 * <li><b>exec</b>: bytes up to {@code >}; the command, then {@code \x04}, each its own text message (every
 *     write of mpfshell is a text message, control bytes included); the next 2 bytes must be exactly
 *     {@code OK} within 0.5 s ("could not exec command"); stdout up to {@code \x04}, stderr up to
 *     {@code \x04}; any stderr is an error. {@code eval(e)} is {@code exec("print(e)")}, stripped.
 * <li><b>Setup</b>: {@code import uos} (or {@code os as uos}) and {@code sys}, {@code ubinascii} (or
 *     {@code binascii}); its directory is {@code posixpath.join("/", uos.getcwd())}; the system name is
 *     {@code uos.uname()[0]}.
 * <li><b>Files</b>: {@code ls} evaluates {@code list(uos.ilistdir(DIR))} (type 0x4000 is a directory),
 *     {@code cd} checks the target with {@code uos.listdir(DIR)}; {@code get} checks the name is in
 *     {@code ls}, opens it and prints {@code ubinascii.hexlify} of 64-byte reads; {@code put} opens it
 *     {@code wb} and writes 64-byte pieces with {@code f.write(ubinascii.unhexlify('..'))}, one exec each.
 *     It uses no {@code os.stat} and not the WebREPL file channel.
 * </ul>
 *
 * <p>Its timeouts are {@link Settings}: {@link Settings#MPFSHELL} holds mpfshell's own, tests may lengthen
 * the 0.5 s for {@code OK} on a loaded machine. Failures show the bytes received.
 */
public final class MpfshellClient implements AutoCloseable {
    static final byte[] RAW_REPL_BANNER = ascii("raw REPL; CTRL-B to exit\r\n");
    private static final int BIN_CHUNK_SIZE = 64;

    /** mpfshell's waits: login reads, the pause before raw REPL, {@code read_until}'s and the wait for {@code OK}. */
    public record Settings(Duration loginRead, Duration settle, Duration readUntil, Duration ok) {
        public static final Settings MPFSHELL = new Settings(Duration.ofSeconds(5), Duration.ofMillis(500),
                Duration.ofSeconds(10), Duration.ofMillis(500));

        public Settings withOk(Duration d) {
            return new Settings(loginRead, settle, readUntil, d);
        }
    }

    /** One entry of {@code uos.ilistdir}: a name and whether it is a directory. */
    public record Entry(String name, boolean directory) {
    }

    private final LibraryWebSocket ws;
    private final Settings settings;
    private String dir;
    private String sysname;

    private MpfshellClient(LibraryWebSocket ws, Settings settings) {
        this.ws = ws;
        this.settings = settings;
    }

    /** Connects, logs in and runs mpfshell's setup (raw REPL, imports, directory, system name). */
    public static MpfshellClient connect(String host, int port, String password, Settings settings)
            throws IOException, InterruptedException {
        LibraryWebSocket ws = LibraryWebSocket.open(LibraryWebSocket.Library.WEBSOCKET_CLIENT, host, port,
                settings.readUntil());
        MpfshellClient m = new MpfshellClient(ws, settings);
        try {
            m.login(password);
            m.setup();
            return m;
        } catch (IOException | InterruptedException | RuntimeException | Error e) {
            ws.close();
            throw e;
        }
    }

    private void login(String password) throws IOException, InterruptedException {
        byte[] prompt = ws.readUpTo(10, settings.loginRead());
        if (!contains(prompt, ascii("Password:"))) {
            throw new AssertionError("ConError: no \"Password:\" in the first 10 characters: " + Show.bytes(prompt));
        }
        ws.sendText((password + "\r").getBytes(StandardCharsets.UTF_8));
        byte[] connected = ws.readUpTo(25, settings.loginRead());
        if (!contains(connected, ascii("WebREPL connected"))) {
            throw new AssertionError("ConError: no \"WebREPL connected\" in the next 25 characters: "
                    + Show.bytes(connected));
        }
    }

    private void setup() throws IOException, InterruptedException {
        enterRawRepl();
        exec("try:\n    import uos\nexcept ImportError:\n    import os as uos\nimport sys");
        exec("try:\n    import ubinascii\nexcept ImportError:\n    import binascii as ubinascii");
        String cwd = eval("uos.getcwd()");
        dir = cwd.startsWith("/") ? cwd : "/" + cwd;
        sysname = eval("uos.uname()[0]");
    }

    /** {@code enter_raw_repl} for a connection that does not survive a soft reset; fails showing the bytes. */
    public void enterRawRepl() throws IOException, InterruptedException {
        Thread.sleep(settings.settle().toMillis());
        ws.sendText(ascii("\r\u0003\u0003"));
        while (ws.available() > 0) {
            ws.takeAvailable();
        }
        ws.sendText(ascii("\r\u0001"));
        byte[] data = readUntil(RAW_REPL_BANNER, settings.readUntil());
        if (!endsWith(data, RAW_REPL_BANNER)) {
            throw new AssertionError("could not enter raw repl: got " + Show.bytes(data));
        }
    }

    /** {@code exec_raw}: returns stdout and stderr. */
    public String[] execRaw(String command) throws IOException, InterruptedException {
        byte[] data = readUntil(ascii(">"), settings.readUntil());
        if (!endsWith(data, ascii(">"))) {
            throw new AssertionError("could not enter raw repl (no > before the command): got " + Show.bytes(data));
        }
        ws.sendText(command.getBytes(StandardCharsets.UTF_8));
        ws.sendText(new byte[] {0x04});
        byte[] ok = readUntil(ascii("OK"), settings.ok());
        if (!Arrays.equals(ok, ascii("OK"))) {
            throw new AssertionError("could not exec command: expected OK, got " + Show.bytes(ok));
        }
        byte[] out = readUntil(new byte[] {0x04}, settings.readUntil());
        byte[] err = readUntil(new byte[] {0x04}, settings.readUntil());
        if (!endsWith(out, new byte[] {0x04}) || !endsWith(err, new byte[] {0x04})) {
            throw new AssertionError("timeout waiting for EOF reception: stdout " + Show.bytes(out) + ", stderr "
                    + Show.bytes(err));
        }
        return new String[] {new String(out, 0, out.length - 1, StandardCharsets.UTF_8),
                new String(err, 0, err.length - 1, StandardCharsets.UTF_8)};
    }

    /** {@code exec_}: stdout; stderr means failure. */
    public String exec(String command) throws IOException, InterruptedException {
        String[] r = execRaw(command);
        if (!r[1].isEmpty()) {
            throw new AssertionError("PyboardError: exception from " + command + ": " + r[1]);
        }
        return r[0];
    }

    /** {@code eval}: {@code print(expression)}, stripped. */
    public String eval(String expression) throws IOException, InterruptedException {
        return exec("print(" + expression + ")").strip();
    }

    /** The explorer's directory, from {@code uos.getcwd()} at setup or {@link #cd}. */
    public String dir() {
        return dir;
    }

    /** {@code uos.uname()[0]} at setup. */
    public String sysname() {
        return sysname;
    }

    /** {@code ls}: {@code list(uos.ilistdir(DIR))}, sorted by name as mpfshell prints it. */
    public List<Entry> ls() throws IOException, InterruptedException {
        String res = eval("list(uos.ilistdir('" + dir + "'))");
        // ast.literal_eval of [('name', type, inode[, size]), ...]: the name and the type are all it uses.
        Matcher m = Pattern.compile("\\((?:'((?:[^'\\\\]|\\\\.)*)'|\"((?:[^\"\\\\]|\\\\.)*)\"), (\\d+)").matcher(res);
        List<Entry> entries = new ArrayList<>();
        while (m.find()) {
            String name = (m.group(1) != null ? m.group(1) : m.group(2)).replaceAll("\\\\(.)", "$1");
            entries.add(new Entry(name, Integer.parseInt(m.group(3)) == 0x4000));
        }
        if (entries.isEmpty() && !res.equals("[]")) {
            throw new AssertionError("ls: not a list of entries: " + res);
        }
        entries.sort((a, b) -> a.name().compareTo(b.name()));
        return entries;
    }

    /** {@code cd}: the new directory must answer {@code uos.listdir}. */
    public void cd(String target) throws IOException, InterruptedException {
        String tmp = target.startsWith("/") ? target : join(dir, target);
        eval("uos.listdir('" + tmp + "')");
        dir = tmp;
    }

    /** {@code get}: the file's bytes, read on the device and printed in hex. */
    public byte[] get(String name) throws IOException, InterruptedException {
        if (ls().stream().noneMatch(e -> e.name().equals(name))) {
            throw new AssertionError("RemoteIOError: No such file or directory: '" + join(dir, name) + "'");
        }
        exec("f = open('" + join(dir, name) + "', 'rb')");
        String hex = exec("while True:\r\n  c = ubinascii.hexlify(f.read(" + BIN_CHUNK_SIZE + "))\r\n"
                + "  if not len(c):\r\n    break\r\n  sys.stdout.write(c)\r\n");
        exec("f.close()");
        return HexFormat.of().parseHex(hex);
    }

    /** {@code put}: the file written on the device 64 bytes per exec. */
    public void put(String name, byte[] data) throws IOException, InterruptedException {
        exec("f = open('" + join(dir, name) + "', 'wb')");
        for (int off = 0; off < data.length; off += BIN_CHUNK_SIZE) {
            byte[] piece = Arrays.copyOfRange(data, off, Math.min(data.length, off + BIN_CHUNK_SIZE));
            exec("f.write(ubinascii.unhexlify('" + HexFormat.of().formatHex(piece) + "'))");
        }
        exec("f.close()");
    }

    /** {@code exit_raw_repl}: {@code \r\x02}, back to the friendly REPL. */
    public void exitRawRepl() throws IOException {
        ws.sendText(ascii("\r\u0002"));
    }

    /** Exits the raw REPL and closes with a close frame, as mpfshell's explorer does when it ends. */
    @Override
    public void close() throws IOException {
        try {
            exitRawRepl();
        } finally {
            ws.closeWithFrame();
        }
    }

    /**
     * {@code read_until}: at least one byte, then byte by byte until the data ends with {@code ending} or
     * {@code timeout} passes with nothing new; returns what it read either way (the caller checks).
     */
    private byte[] readUntil(byte[] ending, Duration timeout) throws InterruptedException {
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        while (!endsWith(data.toByteArray(), ending)) {
            byte[] b = ws.readUpTo(1, timeout);
            if (b.length == 0) {
                break;
            }
            data.writeBytes(b);
        }
        return data.toByteArray();
    }

    private static String join(String dir, String name) {
        return dir.endsWith("/") ? dir + name : dir + "/" + name;
    }

    private static boolean contains(byte[] all, byte[] part) {
        return new String(all, StandardCharsets.ISO_8859_1).contains(new String(part, StandardCharsets.ISO_8859_1));
    }

    private static boolean endsWith(byte[] all, byte[] suffix) {
        return all.length >= suffix.length
                && Arrays.equals(all, all.length - suffix.length, all.length, suffix, 0, suffix.length);
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }
}
