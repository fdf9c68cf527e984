package dev.webrepl.engines.micropython;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * runner.mjs started through {@link WasmRunner} with pipes; reads its stdout on a thread and hands the
 * bytes out in order, up to an awaited terminator (a test never sleeps; the bound only ends a test
 * that would otherwise hang).
 */
final class RunnerProcess implements AutoCloseable {
    static final String REQUIRE_ENV = "WEBREPL_REQUIRE_MICROPYTHON";
    static final Duration BOUND = Duration.ofSeconds(60);

    private final Process process;
    private final OutputStream stdin;
    private final ByteArrayOutputStream unread = new ByteArrayOutputStream();
    private final Thread reader;
    private boolean eof;

    private RunnerProcess(Process process) {
        this.process = process;
        this.stdin = process.getOutputStream();
        this.reader = new Thread(this::pump, "runner-stdout");
        reader.setDaemon(true);
        reader.start();
    }

    /** Node and the package, or the test is skipped (failed when {@code WEBREPL_REQUIRE_MICROPYTHON=1}). */
    static Path[] requireNodeAndPackage() {
        Optional<Path> node = WasmRunner.findNode();
        Optional<Path> pkg = WasmRunner.findPackage(Optional.empty());
        if (node.isEmpty() || pkg.isEmpty()) {
            String why = (node.isEmpty() ? "no node on PATH; " : "")
                    + (pkg.isEmpty() ? "no " + WasmRunner.PACKAGE + " (npm install --prefix ~/.cache/webrepl/micropython-wasm "
                            + WasmRunner.PACKAGE + "@" + WasmRunner.PACKAGE_VERSION + ", or set "
                            + WasmRunner.PACKAGE_ENV + ")" : "");
            if ("1".equals(System.getenv(REQUIRE_ENV))) {
                fail(REQUIRE_ENV + "=1 but " + why);
            }
            assumeTrue(false, "MicroPython WebAssembly tests skipped: " + why);
        }
        return new Path[] {node.get(), pkg.get()};
    }

    static RunnerProcess start(Path runnerDir, Path root, String... extraArguments) throws IOException {
        Path[] found = requireNodeAndPackage();
        List<String> command = new ArrayList<>(WasmRunner.extractTo(runnerDir).command(found[0], found[1], root));
        command.addAll(List.of(extraArguments));
        return new RunnerProcess(new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start());
    }

    private void pump() {
        byte[] buffer = new byte[8192];
        try (InputStream in = process.getInputStream()) {
            int n;
            while ((n = in.read(buffer)) >= 0) {
                synchronized (this) {
                    unread.write(buffer, 0, n);
                    notifyAll();
                }
            }
        } catch (IOException e) {
            // the process went away; eof below
        }
        synchronized (this) {
            eof = true;
            notifyAll();
        }
    }

    void send(String latin1) throws IOException {
        stdin.write(latin1.getBytes(StandardCharsets.ISO_8859_1));
        stdin.flush();
    }

    /** All bytes not yet read, up to and including the first {@code terminator}. */
    synchronized String readThrough(String terminator) throws InterruptedException {
        long deadline = System.nanoTime() + BOUND.toNanos();
        while (true) {
            String text = unread.toString(StandardCharsets.ISO_8859_1);
            int at = text.indexOf(terminator);
            if (at >= 0) {
                String head = text.substring(0, at + terminator.length());
                byte[] rest = text.substring(head.length()).getBytes(StandardCharsets.ISO_8859_1);
                unread.reset();
                unread.write(rest, 0, rest.length);
                return head;
            }
            long left = deadline - System.nanoTime();
            if (eof || left <= 0) {
                fail("no " + printable(terminator) + " in output; got " + printable(text) + (eof ? " then end of output" : ""));
            }
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
    }

    /** Closes stdin and returns the exit status and every byte written after the last read. */
    String closeAndReadRest(int[] status) throws Exception {
        stdin.close();
        if (!process.waitFor(BOUND.toSeconds(), TimeUnit.SECONDS)) {
            fail("runner still running after its stdin ended");
        }
        reader.join(BOUND.toMillis());
        status[0] = process.exitValue();
        synchronized (this) {
            return unread.toString(StandardCharsets.ISO_8859_1);
        }
    }

    boolean isAlive() {
        return process.isAlive();
    }

    long pid() {
        return process.pid();
    }

    static String printable(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            if (c == '\r') {
                b.append("\\r");
            } else if (c == '\n') {
                b.append("\\n");
            } else if (c < 0x20 || c >= 0x7f) {
                b.append(String.format("\\x%02x", (int) c));
            } else {
                b.append(c);
            }
        }
        return b.append('"').toString();
    }

    @Override
    public void close() {
        process.destroyForcibly();
    }
}
