package dev.webrepl.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.webrepl.engines.jshell.JShellWarmUp;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --jshell-warm-up} (README "Hibernation"): a fresh server restores a built-in session in the
 * background, which nothing lists, counts, audits or records, and its shutdown ends.
 */
@Timeout(180)
class ServeJShellWarmUpTest {
    @TempDir
    Path dir;
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private static long children() {
        return ProcessHandle.current().descendants().filter(ProcessHandle::isAlive).count();
    }

    /** The series of the session and engine meters whose value is not 0, as scraped. */
    private static List<String> countedSessionMeters(String scrape) {
        return scrape.lines()
                .filter(l -> l.startsWith("webrepl_sessions") || l.startsWith("webrepl_engine")
                        || l.startsWith("webrepl_terminals"))
                .filter(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)) != 0)
                .toList();
    }

    @Test
    void aFreshServerWarmsItselfUpWithTheSessionsJShellAndNothingListsCountsAuditsOrRecordsIt() throws Exception {
        long before = children();
        Path records = dir.resolve("records");
        Path audit = dir.resolve("audit.log");
        // The default engine: jshell, REMOTE, in the default sandbox where bwrap works.
        ServeCommand cmd = CapturedCli.parseServe(out, err, "--port", "0", "--admin-port", "0", "--root",
                dir.resolve("root").toString(), "--password", "pw", "--record", records.toString(),
                "--audit-log", audit.toString());
        try (MonitoredServer server = cmd.start()) {
            JShellWarmUp warmUp = cmd.warmUp();
            assertNotNull(warmUp);
            assertEquals(JShellWarmUp.Outcome.DONE, warmUp.ended().get(150, TimeUnit.SECONDS));

            assertEquals(0, server.server().sessions().size());
            assertEquals(List.of(), countedSessionMeters(server.metrics().scrape()));
            try (Stream<Path> recorded = Files.list(records)) {
                assertEquals(List.of(), recorded.toList());
            }
            assertEquals("", Files.readString(audit));
            // Its last JShell was closed with its child JVM.
            assertTrue(awaitChildren(before), "child JVMs left");
        } finally {
            cmd.closeEngines();
        }
    }

    @Test
    void closingTheEnginesDuringTheWarmUpEndsItAndLeavesNoChildJvm() throws Exception {
        long before = children();
        ServeCommand cmd = CapturedCli.parseServe(out, err, "--port", "0", "--no-admin", "--root",
                dir.resolve("root").toString(), "--password", "pw");
        JShellWarmUp warmUp;
        try (MonitoredServer server = cmd.start()) {
            warmUp = cmd.warmUp();
            assertNotNull(warmUp);
        } finally {
            cmd.closeEngines();
        }
        assertTrue(warmUp.ended().isDone(), "closeEngines returns once the warm-up has ended");
        assertNull(cmd.warmUp());
        assertTrue(awaitChildren(before), "child JVMs left");
    }

    @Test
    void falseRunsNoWarmUpAndTheDefaultIsTrue() throws Exception {
        ServeCommand off = CapturedCli.parseServe(out, err, "--port", "0", "--no-admin", "--root",
                dir.resolve("root").toString(), "--password", "pw", "--jshell-execution", "LOCAL",
                "--jshell-warm-up", "false");
        try (MonitoredServer server = off.start()) {
            assertNull(off.warmUp());
        } finally {
            off.closeEngines();
        }
        assertTrue(CapturedCli.parseServe(out, err).jshellWarmUp);
        assertTrue(CapturedCli.parseServe(out, err, "--jshell-warm-up").jshellWarmUp);
        assertFalse(CapturedCli.parseServe(out, err, Map.of("WEBREPL_JSHELL_WARM_UP", "false")).jshellWarmUp);
        // Other engines have none.
        ServeCommand echo = CapturedCli.parseServe(out, err, "--port", "0", "--no-admin", "--root",
                dir.resolve("root").toString(), "--password", "pw", "--engine", "echo");
        try (MonitoredServer server = echo.start()) {
            assertNull(echo.warmUp());
        } finally {
            echo.closeEngines();
        }
    }

    private static boolean awaitChildren(long count) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (children() != count) {
            if (System.nanoTime() > end) {
                return false;
            }
            Thread.sleep(20);
        }
        return true;
    }
}
