package dev.webrepl.metrics.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.webrepl.core.audit.AuditEvent;
import dev.webrepl.core.audit.Peer;
import dev.webrepl.core.audit.SessionStart;
import dev.webrepl.core.audit.SessionTap;
import dev.webrepl.core.engine.TerminalSize;
import dev.webrepl.core.files.FileStatus;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The audit log's lines, exactly; a full queue and a failing disk neither block nor stop it. */
class AuditLogFileTest {
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-12-06T09:00:00.123Z"), ZoneOffset.UTC);
    private static final String T = "{\"time\":\"2026-12-06T09:00:00.123Z\",";
    private static final Peer PEER = new Peer(null, "127.0.0.1");

    @TempDir
    Path dir;

    @Test
    void everyEventIsOneJsonLineWithItsFieldsInOrder() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        AuditLogFile log = new AuditLogFile("test", out, true, CLOCK, 100);
        log.record(AuditEvent.loginFailed(PEER));
        log.record(AuditEvent.login(PEER, "read-write"));
        SessionTap tap = log.sessions().sessionTap(new SessionStart("S1", "echo", PEER, TerminalSize.DEFAULT));
        log.record(AuditEvent.sessionAttached(new Peer("ann", "::1"), "S1", "view"));
        log.record(AuditEvent.sessionShared(new Peer("ann", "::1"), "S1", "view"));
        log.record(AuditEvent.file(PEER, "S1", "PUT", "dir/a \"b\".txt", 15, FileStatus.OK));
        log.record(AuditEvent.file(PEER, "S1", "GET", "missing", 0, FileStatus.NOT_FOUND));
        tap.ended("engine-exit");
        log.close();

        assertEquals(List.of(
                T + "\"event\":\"login-failed\",\"user\":null,\"address\":\"127.0.0.1\"}",
                T + "\"event\":\"login\",\"user\":null,\"address\":\"127.0.0.1\",\"mode\":\"read-write\"}",
                T + "\"event\":\"session-opened\",\"user\":null,\"address\":\"127.0.0.1\",\"session\":\"S1\",\"engine\":\"echo\"}",
                T + "\"event\":\"session-attached\",\"user\":\"ann\",\"address\":\"::1\",\"session\":\"S1\",\"mode\":\"view\"}",
                T + "\"event\":\"session-shared\",\"user\":\"ann\",\"address\":\"::1\",\"session\":\"S1\",\"mode\":\"view\"}",
                T + "\"event\":\"file\",\"user\":null,\"address\":\"127.0.0.1\",\"session\":\"S1\",\"op\":\"PUT\","
                        + "\"path\":\"dir/a \\\"b\\\".txt\",\"bytes\":15,\"status\":\"ok\"}",
                T + "\"event\":\"file\",\"user\":null,\"address\":\"127.0.0.1\",\"session\":\"S1\",\"op\":\"GET\","
                        + "\"path\":\"missing\",\"bytes\":0,\"status\":\"not-found\"}",
                T + "\"event\":\"session-ended\",\"user\":null,\"address\":\"127.0.0.1\",\"session\":\"S1\",\"reason\":\"engine-exit\"}"),
                List.of(out.toString(StandardCharsets.UTF_8).split("\n")));
    }

    @Test
    void aFileIsAppendedToAndOnlyItsOwnerMayReadIt() throws IOException {
        Path file = dir.resolve("audit.log");
        Files.writeString(file, "earlier\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        try (AuditLogFile log = AuditLogFile.open(file)) {
            log.record(AuditEvent.loginFailed(PEER));
        }
        List<String> lines = Files.readAllLines(file);
        assertEquals(2, lines.size());
        assertEquals("earlier", lines.get(0));
        assertTrue(lines.get(1).matches("\\{\"time\":\"\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z\","
                + "\"event\":\"login-failed\",\"user\":null,\"address\":\"127.0.0.1\"}"), lines.get(1));

        Path fresh = dir.resolve("new.log");
        try (AuditLogFile log = AuditLogFile.open(fresh)) {
            log.record(AuditEvent.loginFailed(PEER));
        }
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(fresh)));
    }

    @Test
    @Timeout(30)   // a record() that waited for the stalled disk would hang here
    void aFullQueueDropsAndCountsAndTheNextLineSaysHowMany() throws Exception {
        CountDownLatch writing = new CountDownLatch(1);
        CountDownLatch diskBack = new CountDownLatch(1);
        ByteArrayOutputStream written = new ByteArrayOutputStream();
        OutputStream stalled = new OutputStream() {
            @Override
            public void write(int b) {
                written.write(b);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                writing.countDown();
                try {
                    diskBack.await();
                } catch (InterruptedException e) {
                    throw new IOException(e);
                }
                written.write(b, off, len);
            }
        };
        AuditLogFile log = new AuditLogFile("test", stalled, true, CLOCK, 3);
        log.record(AuditEvent.loginFailed(PEER));
        assertTrue(writing.await(10, TimeUnit.SECONDS));   // the writer holds the first line, the queue is empty
        for (int i = 0; i < 10; i++) {
            log.record(AuditEvent.login(PEER, "view"));   // 3 fit, 7 are dropped
        }
        assertEquals(7, log.droppedEvents());
        diskBack.countDown();
        log.close();

        String login = T + "\"event\":\"login\",\"user\":null,\"address\":\"127.0.0.1\",\"mode\":\"view\"}";
        assertEquals(List.of(
                T + "\"event\":\"login-failed\",\"user\":null,\"address\":\"127.0.0.1\"}",
                T + "\"event\":\"audit-dropped\",\"count\":7}",
                login, login, login),
                List.of(written.toString(StandardCharsets.UTF_8).split("\n")));
    }

    @Test
    void aFullDiskIsCountedAndTheLogGoesOnWhenThereIsRoomAgain() {
        ByteArrayOutputStream written = new ByteArrayOutputStream();
        int[] fullFor = {2};   // the first two lines find the disk full, then there is room
        OutputStream disk = new OutputStream() {
            @Override
            public void write(int b) {
                written.write(b);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                if (fullFor[0]-- > 0) {
                    throw new IOException("No space left on device");
                }
                written.write(b, off, len);
            }
        };
        AuditLogFile log = new AuditLogFile("test", disk, true, CLOCK, 100);
        log.record(AuditEvent.loginFailed(PEER));
        log.record(AuditEvent.login(PEER, "view"));
        log.record(AuditEvent.login(PEER, "read-write"));
        log.close();
        assertEquals(2, log.failures());
        assertEquals(T + "\"event\":\"login\",\"user\":null,\"address\":\"127.0.0.1\",\"mode\":\"read-write\"}\n",
                written.toString(StandardCharsets.UTF_8));
    }
}
