package dev.webrepl.metrics.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.jr.ob.JSON;
import dev.webrepl.core.audit.Peer;
import dev.webrepl.core.audit.SessionStart;
import dev.webrepl.core.audit.SessionTap;
import dev.webrepl.core.engine.TerminalSize;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Recordings on disk, line by line: the asciicast v2 header and events, input only when asked,
 * characters split across writes, the size cap, a stalled disk that never holds a session up, a
 * failing disk, and names that only ever come from the directory.
 */
class SessionRecordingsTest {
    private static final Instant STARTED = Instant.parse("2026-12-06T09:00:00.250Z");
    private static final String NAME = "2026-12-06T09-00-00Z.-.AAAAAAAAAAAAAAAAAAAAAA";
    private static final String HEADER = "{\"version\":2,\"width\":80,\"height\":24,\"timestamp\":1796547600,"
            + "\"title\":\"webrepl session AAAAAAAAAAAAAAAAAAAAAA (echo)\"}";

    @TempDir
    Path dir;

    /** Each reading of the clock is a quarter of a second after the one before. */
    private final AtomicLong nanos = new AtomicLong();
    private SessionRecordings recordings;

    @AfterEach
    void close() {
        if (recordings != null) {
            recordings.close();
        }
    }

    private SessionRecordings start(RecordingOptions options, SessionRecordings.Storage storage) {
        recordings = new SessionRecordings(options, Clock.fixed(STARTED, ZoneOffset.UTC),
                () -> nanos.getAndAdd(250_000_000L), storage);
        return recordings;
    }

    private SessionRecordings start(RecordingOptions options) {
        return start(options, name -> OwnerOnly.createNew(dir.resolve(name)));
    }

    private static SessionStart session(String user) {
        return new SessionStart("AAAAAAAAAAAAAAAAAAAAAA", "echo", new Peer(user, "127.0.0.1"), TerminalSize.DEFAULT);
    }

    private List<String> lines(String name) throws IOException {
        return Files.readAllLines(dir.resolve(name + ".cast"), StandardCharsets.UTF_8);
    }

    @Test
    void outputAndResizesAreAsciicastLinesAndInputIsLeftOutUnlessAsked() throws IOException {
        start(RecordingOptions.of(dir));
        SessionTap tap = recordings.sessionTap(session(null));
        tap.output(bytes("hello\r\n"));
        tap.input(bytes("typed"));
        tap.resized(new TerminalSize(100, 30));
        tap.output(bytes("\u001b[1mbold\u001b[0m \"quoted\" \\ tab\t\u00e9\r\n"));
        tap.ended("detached");
        recordings.close();

        // The open read the clock at 0; each event queued reads it a quarter second later.
        assertEquals(List.of(HEADER,
                "[0.250000,\"o\",\"hello\\r\\n\"]",
                "[0.500000,\"r\",\"100x30\"]",
                "[0.750000,\"o\",\"\\u001B[1mbold\\u001B[0m \\\"quoted\\\" \\\\ tab\\t\u00e9\\r\\n\"]"),
                lines(NAME));
        for (String line : lines(NAME)) {
            JSON.std.anyFrom(line);   // every line is JSON on its own
        }
        if (Files.getFileStore(dir).supportsFileAttributeView("posix")) {
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve(NAME + ".cast"))));
        }
    }

    @Test
    void inputIsRecordedWhenAskedWithCharactersSplitAcrossWritesKeptWhole() throws IOException {
        start(RecordingOptions.of(dir).withInput(true));
        SessionTap tap = recordings.sessionTap(session("ann"));
        tap.input(new byte[] {'a', (byte) 0xE2, (byte) 0x82});
        tap.input(new byte[] {(byte) 0xAC, (byte) 0xFF, 'b'});
        tap.output(bytes("a\u20acb"));
        tap.ended("detached");
        recordings.close();

        assertEquals(List.of(HEADER,
                "[0.250000,\"i\",\"a\"]",
                // The euro sign's last byte came with the next write; 0xFF can never be UTF-8: U+FFFD.
                "[0.500000,\"i\",\"\u20ac\ufffdb\"]",
                "[0.750000,\"o\",\"a\u20acb\"]"),
                lines("2026-12-06T09-00-00Z.ann.AAAAAAAAAAAAAAAAAAAAAA"));
    }

    @Test
    void atTheCapAFinalMarkerIsWrittenAndTheFileStopsGrowing() throws IOException {
        start(RecordingOptions.of(dir).withMaxBytes(1024));
        SessionTap tap = recordings.sessionTap(session(null));
        String hundred = "x".repeat(98) + "\r\n";
        for (int i = 0; i < 20; i++) {
            tap.output(bytes(hundred));
        }
        tap.ended("detached");
        recordings.close();

        List<String> lines = lines(NAME);
        String event = "\"o\",\"" + "x".repeat(98) + "\\r\\n\"]";
        // Header (130 bytes) and 6 events of 119 bytes leave less than an event and the marker's reserve.
        assertEquals(8, lines.size(), lines.toString());
        assertEquals(HEADER, lines.get(0));
        for (int i = 1; i <= 6; i++) {
            assertEquals("[" + String.format("%.6f", i * 0.25) + "," + event, lines.get(i));
        }
        assertEquals("[1.750000,\"m\",\"webrepl: recording stopped: it reached its cap of 1024 bytes\"]", lines.get(7));
        long size = Files.size(dir.resolve(NAME + ".cast"));
        assertTrue(size <= 1024, size + " bytes");
    }

    @Test
    @Timeout(30)   // a tap that waited for the stalled disk would hang here, not fail on a timing
    void aStalledDiskNeverHoldsTheSessionUpAndDroppedEventsAreMarked() throws Exception {
        CountDownLatch creating = new CountDownLatch(1);
        CountDownLatch diskBack = new CountDownLatch(1);
        ByteArrayOutputStream file = new ByteArrayOutputStream();
        start(RecordingOptions.of(dir).withQueueBytes(1000), name -> {
            creating.countDown();
            try {
                diskBack.await();
            } catch (InterruptedException e) {
                throw new IOException(e);
            }
            return file;
        });
        SessionTap tap = recordings.sessionTap(session(null));
        String hundred = "y".repeat(98) + "\r\n";
        tap.output(bytes(hundred));   // the file is made for it: the writer takes it and is stuck in the disk
        assertTrue(creating.await(10, TimeUnit.SECONDS));
        for (int i = 0; i < 20; i++) {
            tap.output(bytes(hundred));   // returns at once: 6 fit the queue (6 x 164 bytes), 14 are dropped
        }
        tap.ended("detached");
        assertEquals(14, recordings.droppedEvents());
        diskBack.countDown();
        recordings.close();

        String[] lines = file.toString(StandardCharsets.UTF_8).split("\n");
        assertEquals(9, lines.length, String.join("\n", lines));
        assertEquals(HEADER, lines[0]);
        for (int i = 1; i <= 7; i++) {
            assertEquals("[" + String.format("%.6f", i * 0.25) + ",\"o\",\"" + "y".repeat(98) + "\\r\\n\"]", lines[i]);
        }
        // The marker is where the loss was (before the end), with the time of the event that carried it.
        assertEquals("[2.000000,\"m\",\"webrepl: 14 events (1400 bytes) not recorded: the recording queue was full\"]",
                lines[8]);
    }

    @Test
    void aSessionWithoutAnyEventLeavesNoFile() throws IOException {
        start(RecordingOptions.of(dir));
        recordings.sessionTap(session(null)).ended("detached");
        recordings.close();
        try (java.util.stream.Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(), files.toList());
        }
    }

    @Test
    void aFailingDiskStopsThatRecordingAndIsCounted() throws IOException {
        start(RecordingOptions.of(dir), name -> new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                throw new IOException("No space left on device");
            }
        });
        SessionTap tap = recordings.sessionTap(session(null));
        tap.output(bytes("lost\r\n"));
        tap.ended("detached");
        SessionTap next = recordings.sessionTap(session("bob"));
        next.output(bytes("lost too\r\n"));
        next.ended("detached");
        recordings.close();
        // The header goes to the buffer; its flush fails: one failure per recording, no exception anywhere.
        assertEquals(2, recordings.failures());
    }

    @Test
    void listingNamesOnlyRecordingsAndOpensOnlyWhatItLists() throws IOException {
        start(RecordingOptions.of(dir));
        SessionTap tap = recordings.sessionTap(session("ann.b/c"));
        tap.output(bytes("hi\r\n"));
        tap.ended("detached");
        recordings.close();
        Files.writeString(dir.resolve("notes.txt"), "not a recording");
        Files.writeString(dir.getParent().resolve("secret.cast"), "outside");

        List<Recording> list = recordings.list();
        String name = "2026-12-06T09-00-00Z.ann~2eb~2fc.AAAAAAAAAAAAAAAAAAAAAA";
        long size = Files.size(dir.resolve(name + ".cast"));
        assertEquals(List.of(new Recording(name, "ann.b/c", "AAAAAAAAAAAAAAAAAAAAAA", size,
                Instant.parse("2026-12-06T09:00:00Z"))), list);
        try (InputStream in = recordings.open(name).orElseThrow()) {
            assertEquals(Files.readString(dir.resolve(name + ".cast")), new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
        for (String hostile : List.of("../secret", "notes", "../" + dir.getFileName() + "/" + name, "/etc/passwd",
                name + ".cast", "")) {
            assertEquals(Optional.empty(), recordings.open(hostile), hostile);
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

}
