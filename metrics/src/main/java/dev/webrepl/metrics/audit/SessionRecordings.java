package dev.webrepl.metrics.audit;

import dev.webrepl.core.audit.SessionStart;
import dev.webrepl.core.audit.SessionTap;
import dev.webrepl.core.engine.TerminalSize;
import dev.webrepl.core.protocol.Utf8TextFramer;
import dev.webrepl.dupterm.SessionRecorder;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records every session's terminal as an asciicast v2 file (README "Recordings"): a JSON header
 * line, then one {@code [seconds, code, data]} line per event: {@code "o"} output exactly as the
 * terminals got it, {@code "i"} input (with {@link RecordingOptions#input()}), {@code "r"} a resize
 * ({@code "COLSxROWS"}), {@code "m"} a marker of ours (events dropped, the size cap reached). The
 * file is made at the session's first event: a session without any (files only) leaves none.
 *
 * <p>Sessions never wait for the disk: a tap only puts its event on one queue, bounded in bytes for
 * all sessions together ({@link RecordingOptions#queueBytes()}), and this recorder's own thread
 * writes it. An event that does not fit is dropped and counted, and the next event of that session
 * written is preceded by a marker saying how many were lost. Files are flushed whenever the queue
 * is empty. A write that fails (disk full) stops that session's recording, counted and logged once.
 */
public final class SessionRecordings implements SessionRecorder, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SessionRecordings.class);
    /** What an event costs in the queue besides its data (the object, its array header). */
    static final int EVENT_OVERHEAD = 64;
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(5);

    /** Makes a recording file; the tests' version can stall like a slow disk. */
    @FunctionalInterface
    interface Storage {
        OutputStream create(String fileName) throws IOException;
    }

    private enum Type { OPEN, OUTPUT, INPUT, RESIZE, END, STOP }

    private record Event(Cast cast, Type type, long nanos, byte[] data, long droppedEvents, long droppedBytes) {
        long cost() {
            return (data == null ? 0 : data.length) + EVENT_OVERHEAD;
        }
    }

    private final RecordingOptions options;
    private final Path dir;
    private final Clock clock;
    private final LongSupplier nanoTime;
    private final Storage storage;
    /** Bounded by {@link #queued} (OPEN and END are always taken: one each per session). */
    private final LinkedBlockingQueue<Event> queue = new LinkedBlockingQueue<>();
    private final AtomicLong queued = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    private final AtomicBoolean failureLogged = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();
    /** Writer thread only: recordings written to since the last flush, and those open. */
    private final Set<Cast> dirty = new LinkedHashSet<>();
    private final Set<Cast> open = new LinkedHashSet<>();
    private final int capReserve;
    private final Thread writer;

    SessionRecordings(RecordingOptions options, Clock clock, LongSupplier nanoTime, Storage storage) {
        this.options = options;
        this.dir = options.dir();
        this.clock = clock;
        this.nanoTime = nanoTime;
        this.storage = storage;
        // The cap marker with the longest time it can have: a line that fits leaves room for it.
        this.capReserve = JsonLines.line(List.of(new BigDecimal("99999999999999.999999"), "m", capMarker())).length;
        this.writer = new Thread(this::writeLoop, "webrepl-recordings");
        writer.setDaemon(true);
        writer.start();
    }

    /** Records into {@code options.dir()} (created 0700 if missing), files 0600. */
    public static SessionRecordings start(RecordingOptions options) throws IOException {
        Path dir = OwnerOnly.directory(options.dir());
        return new SessionRecordings(options, Clock.systemUTC(), System::nanoTime,
                name -> OwnerOnly.createNew(dir.resolve(name)));
    }

    public RecordingOptions options() {
        return options;
    }

    /** Events dropped so far because the queue was full (each session's file says where). */
    public long droppedEvents() {
        return dropped.get();
    }

    /** Recordings stopped so far because a file could not be made or written (disk full). */
    public long failures() {
        return failures.get();
    }

    @Override
    public SessionTap sessionTap(SessionStart start) {
        if (closed.get()) {
            return SessionTap.NONE;
        }
        Instant started = clock.instant();
        Cast cast = new Cast(RecordingName.of(started, start.openedBy().user(), start.session()), start, started,
                nanoTime.getAsLong());
        cast.enqueue(Type.OPEN, null);
        return cast;
    }

    /** The recordings in the directory now, newest first. Reads the directory (call off an event loop). */
    public List<Recording> list() throws IOException {
        List<Recording> found = new ArrayList<>();
        for (Map.Entry<String, Path> e : files().entrySet()) {
            BasicFileAttributes a = Files.readAttributes(e.getValue(), BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            if (a.isRegularFile()) {
                RecordingName.parse(e.getKey(), a.size()).ifPresent(found::add);
            }
        }
        found.sort(Comparator.comparing(Recording::started).reversed().thenComparing(Recording::name));
        return found;
    }

    /**
     * The recording named {@code name} (as {@link #list()} names it), opened for reading; empty when
     * the directory holds no such recording. The name is only ever compared with the names the
     * directory lists, never joined to a path, so no name reaches outside it.
     */
    public Optional<InputStream> open(String name) throws IOException {
        Path found = files().get(name + RecordingName.SUFFIX);
        if (found == null || RecordingName.parse(found.getFileName().toString(), 0).isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(Channels.newInputStream(Files.newByteChannel(found,
                    Set.of(StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS))));
        } catch (java.nio.file.NoSuchFileException | java.nio.file.FileSystemLoopException gone) {
            return Optional.empty();
        }
    }

    /** The directory's entries by file name. */
    private Map<String, Path> files() throws IOException {
        Map<String, Path> byName = new LinkedHashMap<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path p : entries) {
                byName.put(p.getFileName().toString(), p);
            }
        } catch (java.nio.file.NoSuchFileException gone) {
            return Map.of();
        }
        return byName;
    }

    /** Writes what is queued, then stops the writer (sessions ended before this have their files complete). */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        queue.add(new Event(null, Type.STOP, 0, null, 0, 0));
        try {
            writer.join(CLOSE_WAIT.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (writer.isAlive()) {
            LOG.warn("recordings: the writer did not finish within " + CLOSE_WAIT + " (a stalled disk?); "
                    + "the last events of open recordings may be missing");
            writer.interrupt();
        }
    }

    private void writeLoop() {
        try {
            while (true) {
                Event e = queue.poll();
                if (e == null) {
                    flushDirty();
                    e = queue.take();
                }
                if (e.type() == Type.STOP) {
                    break;
                }
                queued.addAndGet(-e.cost());
                try {
                    write(e);
                } catch (RuntimeException bug) {
                    LOG.error("recordings: session " + e.cast().start.session() + ": cannot record", bug);
                    e.cast().stop();
                }
            }
        } catch (InterruptedException stop) {
            Thread.currentThread().interrupt();
        } finally {
            flushDirty();
            for (Cast c : List.copyOf(open)) {
                c.stop();
            }
        }
    }

    private void write(Event e) {
        Cast c = e.cast();
        if (e.type() == Type.OPEN) {
            return;
        }
        if (!c.created && e.type() != Type.END) {
            // Made at the first event: a session that only moved files (each CLI command opens one)
            // leaves no empty recording behind.
            c.created = true;
            c.create();
        }
        if (c.out == null) {
            return;
        }
        if (e.droppedEvents() > 0) {
            c.event(e.nanos(), "m", "webrepl: " + e.droppedEvents() + " events (" + e.droppedBytes()
                    + " bytes) not recorded: the recording queue was full");
        }
        switch (e.type()) {
            case OUTPUT -> c.event(e.nanos(), "o", new String(e.data(), StandardCharsets.UTF_8));
            case INPUT -> {
                c.framed.clear();
                c.inputFramer.write(e.data());
                for (byte[] text : c.framed) {
                    c.event(e.nanos(), "i", new String(text, StandardCharsets.UTF_8));
                }
            }
            case RESIZE -> c.event(e.nanos(), "r", new String(e.data(), StandardCharsets.US_ASCII));
            case END -> c.stop();
            default -> throw new IllegalStateException("unexpected event " + e.type());
        }
    }

    private void flushDirty() {
        for (Cast c : List.copyOf(dirty)) {
            try {
                if (c.out != null) {
                    c.out.flush();
                }
            } catch (IOException e) {
                c.failed(e);
            }
        }
        dirty.clear();
    }

    private String capMarker() {
        return "webrepl: recording stopped: it reached its cap of " + options.maxBytes() + " bytes";
    }

    /** One session's recording: its tap (session threads) and its file (writer thread). */
    private final class Cast implements SessionTap {
        private final String fileName;
        private final SessionStart start;
        private final Instant started;
        private final long startNanos;
        /** Set when the file is closed for good (end, cap, failure): the tap then queues nothing. */
        private volatile boolean stopped;
        /** Guarded by this: drops since the last event queued. */
        private long droppedEvents;
        private long droppedBytes;
        /** Writer thread only. */
        private boolean created;
        private OutputStream out;
        private long written;
        private long lastMicros;
        private final List<byte[]> framed = new ArrayList<>(2);
        /** Input is any bytes: cut into whole characters (invalid ones U+FFFD), as output is. */
        private final Utf8TextFramer inputFramer = new Utf8TextFramer(framed::add);

        Cast(String fileName, SessionStart start, Instant started, long startNanos) {
            this.fileName = fileName;
            this.start = start;
            this.started = started;
            this.startNanos = startNanos;
        }

        @Override
        public void output(byte[] utf8) {
            if (!stopped) {
                enqueue(Type.OUTPUT, utf8);
            }
        }

        @Override
        public void input(byte[] bytes) {
            if (options.input() && !stopped) {
                enqueue(Type.INPUT, bytes);
            }
        }

        @Override
        public void resized(TerminalSize size) {
            if (!stopped) {
                enqueue(Type.RESIZE, (size.columns() + "x" + size.rows()).getBytes(StandardCharsets.US_ASCII));
            }
        }

        @Override
        public void ended(String reason) {
            enqueue(Type.END, null);
        }

        /** Never waits: the event is queued, or (past the bound) dropped and counted for the next marker. */
        void enqueue(Type type, byte[] data) {
            boolean always = type == Type.OPEN || type == Type.END;
            long cost = (data == null ? 0 : data.length) + EVENT_OVERHEAD;
            synchronized (this) {
                if (queued.addAndGet(cost) > options.queueBytes() && !always) {
                    queued.addAndGet(-cost);
                    droppedEvents++;
                    droppedBytes += data.length;
                    dropped.incrementAndGet();
                    return;
                }
                // The open is the recording's time zero; every other event reads the clock as it is queued.
                long at = type == Type.OPEN ? startNanos : nanoTime.getAsLong();
                queue.add(new Event(this, type, at, data, droppedEvents, droppedBytes));
                droppedEvents = 0;
                droppedBytes = 0;
            }
        }

        void create() {
            try {
                out = new BufferedOutputStream(storage.create(fileName), 64 * 1024);
            } catch (IOException e) {
                failed(e);
                return;
            }
            open.add(this);
            Map<String, Object> header = new LinkedHashMap<>();
            header.put("version", 2);
            header.put("width", start.size().columns());
            header.put("height", start.size().rows());
            header.put("timestamp", started.getEpochSecond());
            header.put("title", "webrepl session " + start.session() + " (" + start.engine() + ")");
            write(JsonLines.line(header));
        }

        /** One event line, unless it would leave no room for the cap marker: then the marker, and the end. */
        void event(long nanos, String code, String data) {
            if (out == null) {
                return;
            }
            // Never backwards: events of different threads may be queued a little out of time order.
            lastMicros = Math.max(lastMicros, (nanos - startNanos) / 1000);
            BigDecimal seconds = BigDecimal.valueOf(lastMicros, 6);
            byte[] line = JsonLines.line(List.of(seconds, code, data));
            if (written + line.length + capReserve > options.maxBytes()) {
                write(JsonLines.line(List.of(seconds, "m", capMarker())));
                LOG.info("recordings: session " + start.session() + ": " + fileName
                        + " reached its cap of " + options.maxBytes() + " bytes; recording stopped");
                stop();
                return;
            }
            write(line);
        }

        private void write(byte[] line) {
            try {
                out.write(line);
                written += line.length;
                dirty.add(this);
            } catch (IOException e) {
                failed(e);
            }
        }

        /** A file that cannot be made or written (disk full): this recording stops; logged once per recorder. */
        void failed(IOException e) {
            long n = failures.incrementAndGet();
            String what = "recordings: session " + start.session() + ": cannot write " + fileName + " (" + e + ")"
                    + "; its recording stopped";
            if (failureLogged.compareAndSet(false, true)) {
                LOG.warn(what + ". Further failures are counted, not logged (README \"Recordings\")");
            } else {
                LOG.debug(what + " (" + n + " so far)");
            }
            try {
                close();
            } catch (IOException again) {
                // Already counted: the file is as complete as the disk allowed.
            }
        }

        /** Closes the file for good (end of session, cap, writer stopping). */
        void stop() {
            try {
                close();
            } catch (IOException e) {
                failed(e);
            }
        }

        private void close() throws IOException {
            stopped = true;
            OutputStream o = out;
            out = null;
            open.remove(this);
            dirty.remove(this);
            if (o != null) {
                o.close();
            }
        }
    }
}
