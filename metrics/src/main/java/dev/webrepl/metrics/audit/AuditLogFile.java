package dev.webrepl.metrics.audit;

import dev.webrepl.core.audit.AuditEvent;
import dev.webrepl.core.audit.AuditLog;
import dev.webrepl.core.audit.Peer;
import dev.webrepl.core.audit.SessionStart;
import dev.webrepl.core.audit.SessionTap;
import dev.webrepl.dupterm.SessionRecorder;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The audit log (README "Audit log"): one JSON line per {@link AuditEvent}, {@code time} (UTC, to
 * the millisecond) and {@code event} first, then the event's fields, flushed line by line.
 *
 * <p>{@link #record} never waits: events go on a bounded queue that this log's own thread writes
 * out. When the queue is full the event is dropped and counted, and the next line written is an
 * {@code audit-dropped} line with the count. A write that fails (disk full) is counted and logged
 * once; the writer goes on with the next line, so the log resumes when there is room again.
 */
public final class AuditLogFile implements AuditLog, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AuditLogFile.class);
    /** Events waiting for the writer at most. */
    public static final int DEFAULT_QUEUE = 10_000;
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'")
            .withZone(ZoneOffset.UTC);
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(5);
    private static final Entry STOP = new Entry(Instant.EPOCH, null);

    private record Entry(Instant time, AuditEvent event) {
    }

    private final String target;
    private final OutputStream out;
    private final boolean ownsOut;
    private final Clock clock;
    private final BlockingQueue<Entry> queue;
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    private final AtomicBoolean failureLogged = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Thread writer;

    AuditLogFile(String target, OutputStream out, boolean ownsOut, Clock clock, int capacity) {
        this.target = target;
        this.out = out;
        this.ownsOut = ownsOut;
        this.clock = clock;
        this.queue = new ArrayBlockingQueue<>(capacity + 1);   // + the stop marker
        this.writer = new Thread(this::writeLoop, "webrepl-audit");
        writer.setDaemon(true);
        writer.start();
    }

    /** Appends to {@code file} (created 0600 if missing, never through a link). */
    public static AuditLogFile open(Path file) throws IOException {
        return new AuditLogFile(file.toString(), OwnerOnly.append(file), true, Clock.systemUTC(), DEFAULT_QUEUE);
    }

    /** Writes to standard output (for a container's log collector); {@code --audit-log -}. */
    public static AuditLogFile standardOutput() {
        return new AuditLogFile("standard output", System.out, false, Clock.systemUTC(), DEFAULT_QUEUE);
    }

    /** Events dropped so far because the queue was full. */
    public long droppedEvents() {
        return dropped.get();
    }

    /** Lines that could not be written so far. */
    public long failures() {
        return failures.get();
    }

    @Override
    public void record(AuditEvent event) {
        if (closed.get() || queue.remainingCapacity() <= 1 || !queue.offer(new Entry(clock.instant(), event))) {
            dropped.incrementAndGet();
        }
    }

    /** The session half of the log: {@code session-opened} as a session opens, {@code session-ended} with its reason. */
    public SessionRecorder sessions() {
        return new SessionRecorder() {
            @Override
            public SessionTap sessionTap(SessionStart start) {
                Peer by = start.openedBy();
                record(AuditEvent.sessionOpened(by, start.session(), start.engine()));
                return new SessionTap() {
                    @Override
                    public void ended(String reason) {
                        record(AuditEvent.sessionEnded(by, start.session(), reason));
                    }
                };
            }
        };
    }

    /** The line {@code event} is written as at {@code time}: who, then its own fields. */
    static byte[] line(Instant time, AuditEvent event) {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("user", event.peer().user());
        fields.put("address", event.peer().address());
        fields.putAll(event.fields());
        return line(time, event.event(), fields);
    }

    private static byte[] line(Instant time, String event, Map<String, Object> fields) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("time", TIME.format(time));
        m.put("event", event);
        m.putAll(fields);
        return JsonLines.line(m);
    }

    private void writeLoop() {
        try {
            while (true) {
                Entry e = queue.take();
                long lost = dropped.getAndSet(0);
                if (lost > 0) {
                    write(line(e.time(), "audit-dropped", Map.of("count", lost)));
                }
                if (e == STOP) {
                    break;
                }
                write(line(e.time(), e.event()));
            }
        } catch (InterruptedException stop) {
            Thread.currentThread().interrupt();
        }
    }

    private void write(byte[] line) {
        try {
            out.write(line);
            out.flush();
        } catch (IOException e) {
            long n = failures.incrementAndGet();
            if (failureLogged.compareAndSet(false, true)) {
                LOG.warn("audit log: cannot write to " + target + " (" + e + "); lines are lost until it"
                        + " can be written again. Further failures are counted, not logged");
            } else {
                LOG.debug("audit log: cannot write to " + target + " (" + n + " lines so far)");
            }
        }
    }

    /** Writes what is queued, then stops (and closes the file). */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            queue.put(STOP);
            writer.join(CLOSE_WAIT.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (writer.isAlive()) {
            LOG.warn("audit log: the writer did not finish within " + CLOSE_WAIT + " (a stalled disk?)");
            writer.interrupt();
        }
        if (ownsOut) {
            try {
                out.close();
            } catch (IOException e) {
                LOG.warn("audit log: cannot close " + target + ": " + e);
            }
        }
    }
}
