package dev.webrepl.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.webrepl.metrics.audit.RecordingOptions;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code serve --record DIR --record-input --record-max-bytes N --audit-log FILE}, and their defaults. */
class ServeRecordingOptionsTest {
    @TempDir
    Path dir;

    private final StringWriter out = new StringWriter();

    private ServeCommand parse(String... args) {
        return CapturedCli.parseServe(out, args);
    }

    @Test
    void noRecordingsAndNoAuditLogUnlessAsked() throws Exception {
        ServeCommand cmd = parse();
        assertNull(cmd.recordDir);
        assertFalse(cmd.recordInput);
        assertEquals(RecordingOptions.DEFAULT_MAX_BYTES, cmd.recordMaxBytes);
        assertNull(cmd.auditLog);
        try (MonitoredServer server = parse("--port", "0", "--no-admin", "--root", dir.resolve("root").toString(),
                "--password", "pw", "--engine", "echo").start()) {
            assertNull(server.recordings());
            assertNull(server.audit());
        }
    }

    @Test
    void theFlagsMakeTheRecordingsAndTheAuditLogOwnerOnly() throws Exception {
        Path recordings = dir.resolve("rec/ordings");
        Path audit = dir.resolve("audit.log");
        try (MonitoredServer server = parse("--port", "0", "--no-admin", "--root", dir.resolve("root").toString(),
                "--password", "pw", "--engine", "echo", "--record", recordings.toString(), "--record-input",
                "--record-max-bytes", "4096", "--audit-log", audit.toString()).start()) {
            assertEquals(RecordingOptions.of(recordings).withInput(true).withMaxBytes(4096), server.recordings().options());
            assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(recordings)));
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(audit)));
        }
    }

    @Test
    void aCapTooSmallForTheHeaderIsAUsageError() {
        CommandLine.ParameterException e = assertThrows(CommandLine.ParameterException.class,
                () -> parse("--port", "0", "--no-admin", "--root", dir.resolve("root").toString(), "--password", "pw",
                        "--engine", "echo", "--record", dir.resolve("r").toString(), "--record-max-bytes", "100").start());
        assertEquals("--record-max-bytes: a recording's maximum must be at least 1024 bytes", e.getMessage());
    }
}
