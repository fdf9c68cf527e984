package dev.webrepl.testkit.clients;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/**
 * Thonny's MicroPython back end over WebREPL (thonny/thonny, {@code plugins/micropython}:
 * {@code webrepl_connection.py}, {@code bare_metal_backend.py}, {@code mp_back.py}; spec §1.2, §8),
 * written down as a test client: our own code, doing what Thonny does, in its order.
 *
 * <p>What Thonny does:
 * <ul>
 * <li><b>Connect</b> with Python {@code websockets} and {@code ping_interval=None} (no pings: the reference
 *     leaks a ping's payload into its input, spec §1.3). It collects text messages until they equal
 *     exactly {@code Password: } (a message that overshoots leaves it waiting for ever), then sends
 *     {@code PW\n} as one text message. From then on a reader thread appends every message, text or binary,
 *     to one byte stream; a close frame in mid-session ends that thread (and later writes wait for ever).
 * <li><b>Interrupt at once</b>: Ctrl-C as soon as the password is sent, again after 0.1 s and 0.2 s while no
 *     prompt has come ({@link Settings#interruptTimes}), reading output up to an <em>active</em> prompt: one of
 *     {@code \x04>}, {@code >>> }, {@code raw REPL; CTRL-B to exit\r\n>} or its W600 variant with
 *     {@code \r\r\n}, at the end of the output and followed by nothing for 10 ms
 *     ({@link Settings#promptQuiet}). Then Ctrl-B, whose banner up to the active prompt is the welcome text.
 * <li><b>Raw REPL</b>: Ctrl-A, output up to an active prompt, which must be the raw REPL's first prompt (it
 *     tries Ctrl-A once more, 0.5 s later, when a {@code >>> } came instead).
 * <li><b>Running code in raw mode</b>: the script and Ctrl-D written in blocks of at most
 *     {@link Settings#writeBlockSize} bytes, never splitting a UTF-8 character, with
 *     {@link Settings#writeBlockDelay} between blocks (WebREPL: 255 bytes, 0.5 s, for micropython#2497);
 *     then the 2 bytes {@code OK}, stdout up to {@code \x04}, stderr up to {@code \x04}, and the prompt
 *     {@code >}. (The raw-mode path is what Thonny uses for a clean start and what issue #16 describes.)
 * <li><b>Running code in paste mode</b>, Thonny 4.1's submit mode over WebREPL ({@link #execPaste}): Ctrl-E,
 *     then blocks whose echo Thonny checks byte for byte, Ctrl-D and the confirmation {@code \r\n}. A pty
 *     that sends {@code \r\r\n} fails the echo check.
 * <li><b>Files</b>: paths are built from the device's {@code os.getcwd()} (so the REPL's {@code /} and the
 *     file channel's {@code /} must agree); a file's size comes from {@code os.stat(path)[6]}. PUT: the
 *     request record (UTF-8 path) as two binary messages, its first 10 bytes and the rest, {@code WB 00 00},
 *     1024-byte binary messages, {@code WB 00 00}. GET: the record as one message, {@code WB 00 00}, then per
 *     chunk a {@code 00} and a 2-byte little-endian length and its bytes, up to a length 0, then
 *     {@code WB 00 00}. The answers are read from the same byte stream as the REPL's output.
 * <li><b>Soft reboot</b> (to restart the user's program): back to the friendly REPL with Ctrl-B, then
 *     Ctrl-D; over WebREPL Thonny then waits 1 s and opens a new connection, as a board's reset used to drop
 *     it. This client instead reads on over the same connection up to the friendly prompt (issue #16 point 5:
 *     the connection survives a soft reset).
 * </ul>
 *
 * <p>Every wait is bounded by {@link Settings#bound}; a failure says what was awaited and shows the bytes
 * received.
 */
public final class ThonnyClient implements AutoCloseable {
    static final byte[] NORMAL_PROMPT = ascii(">>> ");
    static final byte[] FIRST_RAW_PROMPT = ascii("raw REPL; CTRL-B to exit\r\n>");
    static final byte[] W600_FIRST_RAW_PROMPT = ascii("raw REPL; CTRL-B to exit\r\r\n>");
    static final byte[] EOT_RAW_PROMPT = ascii("\u0004>");
    private static final List<byte[]> PROMPTS = List.of(EOT_RAW_PROMPT, NORMAL_PROMPT, FIRST_RAW_PROMPT,
            W600_FIRST_RAW_PROMPT);

    /**
     * Thonny's knobs. {@link #WEBREPL} holds its WebREPL values; tests shorten the pause between blocks and
     * lengthen the quiet that makes a prompt active (a loaded machine may pause longer than 10 ms).
     */
    public record Settings(int writeBlockSize, Duration writeBlockDelay, List<Duration> interruptTimes,
                           Duration promptQuiet, Duration bound) {
        public static final Settings WEBREPL = new Settings(255, Duration.ofMillis(500),
                List.of(Duration.ZERO, Duration.ofMillis(100), Duration.ofMillis(200)), Duration.ofMillis(10),
                Duration.ofSeconds(10));

        public Settings withWriteBlockDelay(Duration d) {
            return new Settings(writeBlockSize, d, interruptTimes, promptQuiet, bound);
        }

        public Settings withInterruptTimes(List<Duration> times) {
            return new Settings(writeBlockSize, writeBlockDelay, times, promptQuiet, bound);
        }

        public Settings withPromptQuiet(Duration d) {
            return new Settings(writeBlockSize, writeBlockDelay, interruptTimes, d, bound);
        }
    }

    /** What a script printed: stdout, and stderr (a traceback), as the raw REPL separates them. */
    public record Output(String out, String err) {
    }

    private final LibraryWebSocket ws;
    private final Settings settings;
    private String welcome;
    private byte[] lastPrompt;

    private ThonnyClient(LibraryWebSocket ws, Settings settings) {
        this.ws = ws;
        this.settings = settings;
    }

    /**
     * Connects and logs in as Thonny does, interrupts at once up to the friendly prompt and reads the
     * welcome text (Ctrl-B); the client is then at {@code >>> }.
     */
    public static ThonnyClient connect(String host, int port, String password, Settings settings)
            throws IOException, InterruptedException {
        LibraryWebSocket ws = LibraryWebSocket.open(LibraryWebSocket.Library.WEBSOCKETS, host, port, settings.bound());
        ThonnyClient thonny = new ThonnyClient(ws, settings);
        try {
            thonny.login(password);
            thonny.interruptToPrompt();
            ws.sendText(new byte[] {0x02});
            thonny.welcome = thonny.untilActivePrompt("the welcome text after Ctrl-B").out();
            return thonny;
        } catch (IOException | InterruptedException | RuntimeException | Error e) {
            ws.close();
            throw e;
        }
    }

    private void login(String password) throws IOException, InterruptedException {
        // while read_chars != "Password: ": read_chars += recv(); messages are whole, so take what came.
        ByteArrayOutputStream read = new ByteArrayOutputStream();
        byte[] want = ascii("Password: ");
        while (!Arrays.equals(read.toByteArray(), want)) {
            byte[] got = ws.readUpTo(1, settings.bound());
            if (got.length == 0) {
                throw new AssertionError("Thonny waits for exactly \"Password: \"; got "
                        + Show.bytes(read.toByteArray())
                        + (ws.ended() != null ? "; the connection ended: " + ws.ended() : ""));
            }
            read.writeBytes(got);
            if (read.size() > want.length) {
                throw new AssertionError("Thonny would wait for ever: its text grew past \"Password: \": "
                        + Show.bytes(read.toByteArray()));
            }
        }
        ws.sendText(ascii(password + "\n"));
    }

    private void interruptToPrompt() throws IOException, InterruptedException {
        long start = System.nanoTime();
        List<Duration> times = settings.interruptTimes();
        int[] sent = {0};
        untilActivePrompt("a prompt after Ctrl-C", () -> {
            // Ctrl-C at each of the interrupt times that has come while no prompt is active yet.
            while (sent[0] < times.size() && System.nanoTime() - start >= times.get(sent[0]).toNanos()) {
                ws.sendText(new byte[] {0x03});
                sent[0]++;
            }
        });
    }

    private interface Poll {
        void run() throws IOException;
    }

    private Output untilActivePrompt(String what) throws IOException, InterruptedException {
        return untilActivePrompt(what, () -> { });
    }

    /**
     * Output up to an active prompt (one at the end, followed by nothing for the quiet time), the prompt cut
     * off; {@code poll} runs every 10 ms while waiting.
     */
    private Output untilActivePrompt(String what, Poll poll) throws IOException, InterruptedException {
        ByteArrayOutputStream seen = new ByteArrayOutputStream();
        long deadline = System.nanoTime() + settings.bound().toNanos();
        while (true) {
            poll.run();
            if (ws.moreWithin(Duration.ofMillis(10))) {
                seen.writeBytes(ws.takeAvailable());
            }
            byte[] all = seen.toByteArray();
            byte[] prompt = endingPrompt(all);
            if (prompt != null && !ws.moreWithin(settings.promptQuiet())) {
                lastPrompt = prompt;
                return new Output(new String(all, 0, all.length - prompt.length, StandardCharsets.UTF_8), "");
            }
            boolean gone = ws.ended() != null && ws.available() == 0;
            if (gone || System.nanoTime() > deadline) {
                throw new AssertionError("no active prompt for " + what + " within " + settings.bound() + "; received "
                        + Show.bytes(all) + (ws.ended() != null ? "; the connection ended: " + ws.ended() : ""));
            }
        }
    }

    private static byte[] endingPrompt(byte[] all) {
        for (byte[] p : PROMPTS) {
            if (endsWith(all, p)) {
                return p;
            }
        }
        return null;
    }

    /** The banner Ctrl-B printed at connect, without its prompt. */
    public String welcome() {
        return welcome;
    }

    /** Ctrl-A at the friendly prompt; fails, showing what came, unless the raw REPL's first prompt is active. */
    public void enterRawRepl() throws IOException, InterruptedException {
        if (isRaw()) {
            return;
        }
        ws.sendText(new byte[] {0x01});
        Output o = untilActivePrompt("the raw REPL after Ctrl-A");
        if (lastPrompt == NORMAL_PROMPT) {
            // "Found normal prompt instead of expected raw prompt. Trying again."
            Thread.sleep(500);
            ws.sendText(new byte[] {0x01});
            o = untilActivePrompt("the raw REPL after a second Ctrl-A");
        }
        if (lastPrompt != FIRST_RAW_PROMPT && lastPrompt != W600_FIRST_RAW_PROMPT) {
            throw new AssertionError("could not enter raw prompt: got " + Show.bytes(ascii(o.out()))
                    + " and the prompt " + Show.bytes(lastPrompt));
        }
    }

    private boolean isRaw() {
        return lastPrompt == FIRST_RAW_PROMPT || lastPrompt == W600_FIRST_RAW_PROMPT || lastPrompt == EOT_RAW_PROMPT;
    }

    /** Runs {@code script} in the raw REPL, written in Thonny's blocks and pauses; returns what it printed. */
    public Output exec(String script) throws IOException, InterruptedException {
        enterRawRepl();
        byte[] toWrite = concat(script.getBytes(StandardCharsets.UTF_8), new byte[] {0x04});
        int off = 0;
        while (off < toWrite.length) {
            int end = blockEnd(toWrite, off);
            ws.sendText(Arrays.copyOfRange(toWrite, off, end));
            off = end;
            if (off < toWrite.length) {
                Thread.sleep(settings.writeBlockDelay().toMillis());
            }
        }
        byte[] ok = ws.readExactly(2, settings.bound(), "command confirmation OK");
        if (!Arrays.equals(ok, ascii("OK"))) {
            throw new AssertionError("Could not read command confirmation: got " + Show.bytes(ok)
                    + " then " + Show.bytes(ws.takeAvailable()));
        }
        byte[] out = ws.readThrough(new byte[] {0x04}, settings.bound(), "the script's stdout");
        byte[] err = ws.readThrough(new byte[] {0x04}, settings.bound(), "the script's stderr");
        byte[] prompt = ws.readExactly(1, settings.bound(), "the raw prompt");
        if (prompt[0] != '>') {
            throw new AssertionError("expected the raw prompt >, got " + Show.bytes(prompt));
        }
        lastPrompt = EOT_RAW_PROMPT;
        return new Output(new String(out, 0, out.length - 1, StandardCharsets.UTF_8),
                new String(err, 0, err.length - 1, StandardCharsets.UTF_8));
    }

    /**
     * Runs {@code script} as Thonny submits code over WebREPL: friendly paste mode. Ctrl-E, output up to
     * {@code === }; then blocks of at most {@link Settings#writeBlockSize} bytes whose echo (each
     * {@code \r\n} echoed as {@code \r\n=== }) must also fit a block, none ending in {@code \r} or before a
     * UTF-8 continuation byte; after each block the echo must be exactly what was sent, and nothing more;
     * then Ctrl-D, the confirmation {@code \r\n}, and the output up to the active {@code >>> } (a traceback
     * starts stderr).
     */
    public Output execPaste(String script) throws IOException, InterruptedException {
        if (lastPrompt != NORMAL_PROMPT) {
            ws.sendText(new byte[] {0x02});
            untilActivePrompt("the friendly REPL after Ctrl-B");
        }
        ws.sendText(new byte[] {0x05});
        ws.readThrough(ascii("=== "), settings.bound(), "paste mode's first === ");
        byte[] rest = script.getBytes(StandardCharsets.UTF_8);
        while (rest.length > 0) {
            int n = Math.min(settings.writeBlockSize(), rest.length);
            byte[] echo;
            while (true) {
                echo = pasteEcho(Arrays.copyOf(rest, n));
                boolean splitsChar = n > 2 && n < rest.length && (rest[n] & 0xC0) == 0x80;
                boolean tooLong = echo.length > settings.writeBlockSize() || rest[n - 1] == '\r' || splitsChar;
                if (tooLong && n > 1) {
                    n--;
                    continue;
                }
                break;
            }
            ws.sendText(Arrays.copyOf(rest, n));
            byte[] actual = concat(ws.readExactly(echo.length, settings.bound(), "the echo of a pasted block"),
                    ws.takeAvailable());
            if (!Arrays.equals(echo, actual)) {
                throw new AssertionError("Expected " + Show.bytes(echo) + ", got " + Show.bytes(actual));
            }
            rest = Arrays.copyOfRange(rest, n, rest.length);
        }
        ws.sendText(new byte[] {0x04});
        byte[] confirmation = ws.readExactly(2, settings.bound(), "paste mode's confirmation");
        if (!Arrays.equals(confirmation, ascii("\r\n"))) {
            throw new AssertionError("Expected \"\\x0d\\x0a\", got " + Show.bytes(confirmation) + " then "
                    + Show.bytes(ws.takeAvailable()));
        }
        String all = untilActivePrompt("the pasted code's output").out();
        int traceback = all.indexOf("Traceback (most recent call last):");
        return traceback < 0 ? new Output(all, "") : new Output(all.substring(0, traceback), all.substring(traceback));
    }

    private static byte[] pasteEcho(byte[] block) {
        String s = new String(block, StandardCharsets.ISO_8859_1);
        return ascii(s.replace("\r\n", "\r\n=== "));
    }

    /** At most a block's bytes from {@code off}, ending before a UTF-8 continuation byte. */
    private int blockEnd(byte[] b, int off) {
        int end = Math.min(b.length, off + settings.writeBlockSize());
        while (end < b.length && end > off + 1 && (b[end] & 0xC0) == 0x80) {
            end--;
        }
        return end;
    }

    /** {@code repr(expression)} evaluated on the device (no traceback allowed). */
    public String evaluate(String expression) throws IOException, InterruptedException {
        Output o = exec("print(repr(" + expression + "))");
        if (!o.err().isEmpty()) {
            throw new AssertionError("evaluating " + expression + " raised: " + o.err());
        }
        return o.out().strip();
    }

    /** The device's {@code os.getcwd()}. */
    public String cwd() throws IOException, InterruptedException {
        String repr = evaluate("__import__('os').getcwd()");
        return unquote(repr);
    }

    /** The device path of {@code name} in the current directory, as Thonny's file browser builds it. */
    public String pathOf(String name) throws IOException, InterruptedException {
        String cwd = cwd();
        return cwd.endsWith("/") ? cwd + name : cwd + "/" + name;
    }

    /** {@code os.stat(path)[6]}: how Thonny learns a file's size before a GET. */
    public long fileSize(String path) throws IOException, InterruptedException {
        return Long.parseLong(evaluate("__import__('os').stat(" + pyString(path) + ")[6]"));
    }

    /** Uploads {@code data} as {@code name} in the device's current directory; returns the path used. */
    public String put(String name, byte[] data) throws IOException, InterruptedException {
        String path = pathOf(name);
        byte[] rec = FileRecord.pack(FileRecord.PUT, data.length, path.getBytes(StandardCharsets.UTF_8));
        ws.sendBinary(Arrays.copyOfRange(rec, 0, 10));
        ws.sendBinary(Arrays.copyOfRange(rec, 10, rec.length));
        expectStatusZero("the PUT's first answer for " + path);
        for (int off = 0; off < data.length; off += 1024) {
            ws.sendBinary(Arrays.copyOfRange(data, off, Math.min(data.length, off + 1024)));
        }
        expectStatusZero("the PUT's final answer for " + path);
        return path;
    }

    /** Downloads {@code name} from the device's current directory (its size from {@code os.stat} first). */
    public byte[] get(String name) throws IOException, InterruptedException {
        String path = pathOf(name);
        long size = fileSize(path);
        ws.sendBinary(FileRecord.pack(FileRecord.GET, 0, path.getBytes(StandardCharsets.UTF_8)));
        expectStatusZero("the GET's first answer for " + path);
        ByteArrayOutputStream file = new ByteArrayOutputStream();
        while (true) {
            ws.sendBinary(new byte[] {0});
            byte[] n = ws.readExactly(2, settings.bound(), "a GET chunk's length");
            int blockSize = (n[0] & 0xFF) | (n[1] & 0xFF) << 8;
            if (blockSize == 0) {
                break;
            }
            file.writeBytes(ws.readExactly(blockSize, settings.bound(), "a GET chunk"));
            if (file.size() > size) {
                throw new AssertionError("GET of " + path + " gave more than os.stat's " + size + " bytes");
            }
        }
        expectStatusZero("the GET's final answer for " + path);
        return file.toByteArray();
    }

    private void expectStatusZero(String what) throws InterruptedException {
        byte[] r = ws.readExactly(4, settings.bound(), what);
        if (r[0] != 'W' || r[1] != 'B' || r[2] != 0 || r[3] != 0) {
            throw new AssertionError("Thonny asserts WB with code 0 as " + what + ", got " + Show.bytes(r));
        }
    }

    /**
     * Soft reboot as Thonny starts a program: Ctrl-B to the friendly REPL, then Ctrl-D; returns what came
     * up to the next active {@code >>> } on the same connection.
     */
    public String softReboot() throws IOException, InterruptedException {
        if (lastPrompt != NORMAL_PROMPT) {
            ws.sendText(new byte[] {0x02});
            untilActivePrompt("the friendly REPL after Ctrl-B");
        }
        ws.sendText(new byte[] {0x04});
        String out = untilActivePrompt("the friendly REPL after the soft reboot (Ctrl-D)").out();
        if (lastPrompt != NORMAL_PROMPT) {
            throw new AssertionError("after the soft reboot came the prompt " + Show.bytes(lastPrompt) + ", not >>> ");
        }
        return out;
    }

    /** Closes the socket; Thonny's own {@code close()} does nothing, its process exit closes it. */
    @Override
    public void close() throws IOException {
        ws.close();
    }

    static String pyString(String s) {
        return "'" + s.replace("\\", "\\\\").replace("'", "\\'") + "'";
    }

    /** A Python string repr in single or double quotes, with backslash escapes of \\, \' and \". */
    static String unquote(String repr) {
        if (repr.length() < 2 || (repr.charAt(0) != '\'' && repr.charAt(0) != '"')) {
            throw new AssertionError("not a string repr: " + repr);
        }
        StringBuilder s = new StringBuilder();
        for (int i = 1; i < repr.length() - 1; i++) {
            char c = repr.charAt(i);
            s.append(c == '\\' ? repr.charAt(++i) : c);
        }
        return s.toString();
    }

    private static boolean endsWith(byte[] all, byte[] suffix) {
        return all.length >= suffix.length
                && Arrays.equals(all, all.length - suffix.length, all.length, suffix, 0, suffix.length);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] r = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }
}
