package dev.webrepl.server;

import dev.webrepl.transport.client.ReplConnection;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Everything a client connection's terminal received, as text, with waits for what is expected. */
final class Transcript {
    private static final long TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(10);
    static final Pattern SESSION_LINE = Pattern.compile("webrepl: session /session/((?:[a-z0-9-]{1,32}\\.)?[A-Za-z0-9_-]{22})\r\n");
    private final StringBuilder text = new StringBuilder();
    private boolean closed;

    private Transcript() {
    }

    /** Subscribes to {@code connection}'s output (its one subscriber). */
    static Transcript of(ReplConnection connection) {
        Transcript t = new Transcript();
        connection.output().subscribe(t::append, e -> t.end(), t::end);
        return t;
    }

    private synchronized void append(byte[] bytes) {
        text.append(new String(bytes, StandardCharsets.UTF_8));
        notifyAll();
    }

    private synchronized void end() {
        closed = true;
        notifyAll();
    }

    synchronized String text() {
        return text.toString();
    }

    /** Waits until the text ends with {@code suffix}. */
    void awaitEndsWith(String suffix) {
        await("ends with " + suffix.replace("\r", "\\r").replace("\n", "\\n"), t -> t.endsWith(suffix));
    }

    /** Waits until the text contains {@code part}. */
    void awaitContains(String part) {
        await("contains " + part.replace("\r", "\\r").replace("\n", "\\n"), t -> t.contains(part));
    }

    /** Waits for the session line and returns the session id. */
    String awaitSessionId() {
        await("has the session line", t -> SESSION_LINE.matcher(t).find());
        Matcher m = SESSION_LINE.matcher(text());
        if (!m.find()) {
            throw new AssertionError("no session line");
        }
        return m.group(1);
    }

    /** Waits until the connection has closed. */
    synchronized void awaitClosed() {
        long deadline = System.nanoTime() + TIMEOUT_NANOS;
        while (!closed) {
            waitUntil(deadline, "the connection closes");
        }
    }

    private synchronized void await(String what, Predicate<String> condition) {
        long deadline = System.nanoTime() + TIMEOUT_NANOS;
        while (!condition.test(text.toString())) {
            if (closed) {
                throw new AssertionError("closed before the output " + what + "; got: " + text);
            }
            waitUntil(deadline, "the output " + what + "; got: " + text);
        }
    }

    private void waitUntil(long deadline, String what) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
            throw new AssertionError("timed out waiting until " + what);
        }
        try {
            TimeUnit.NANOSECONDS.timedWait(this, left);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
