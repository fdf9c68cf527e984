package dev.webrepl.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

/** The CLI's progress: a bar on a terminal, plain lines otherwise. */
class TransferReportTest {
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    /** The clock the bar reads: the test sets it before each update. */
    private long now;

    private TransferReport report(boolean terminal) {
        return new TransferReport(new PrintWriter(out), new PrintWriter(err), terminal, "put a -> h:1:/b", 0, () -> now);
    }

    @Test
    void onATerminalABarIsRedrawnOncePerPercentThenEndedWithANewline() {
        TransferReport r = report(true);
        r.update(0, 100_000_000);
        now = 25_000_000_000L;   // half of 100 MB in 25 s: 2.0 MB/s, 25 s left
        r.update(50_000_000, 100_000_000);
        r.update(50_000_000, 100_000_000);   // same percent: no redraw
        now = 50_000_000_000L;
        r.update(100_000_000, 100_000_000);
        r.finish(2_000_000, 1_000_000_000L);

        assertEquals("\rput a -> h:1:/b [" + " ".repeat(30) + "]   0% 0/100000000 bytes -- MB/s --:-- left   "
                + "\rput a -> h:1:/b [" + "=".repeat(15) + " ".repeat(15) + "]  50% 50000000/100000000 bytes"
                + " 2.0 MB/s 0:25 left   "
                + "\rput a -> h:1:/b [" + "=".repeat(30) + "] 100% 100000000/100000000 bytes 2.0 MB/s 0:00 left   "
                + System.lineSeparator(), err.toString());
        assertEquals("put a -> h:1:/b: 2000000 bytes in 1.000 s (2.00 MB/s)" + System.lineSeparator(), out.toString());
    }

    @Test
    void timeLeftIsMinutesAndSecondsOrHoursMinutesSeconds() {
        assertEquals("0:00", TransferReport.duration(0));
        assertEquals("1:05", TransferReport.duration(65));
        assertEquals("59:59", TransferReport.duration(3599));
        assertEquals("1:00:00", TransferReport.duration(3600));
        assertEquals("26:03:04", TransferReport.duration(26 * 3600 + 3 * 60 + 4));
    }

    @Test
    void withoutATerminalOnlyTheSummaryLineIsPrinted() {
        TransferReport r = report(false);
        r.update(50, 100);
        r.finish(100, 500_000_000L);

        assertEquals("", err.toString());
        assertEquals("put a -> h:1:/b: 100 bytes in 0.500 s (0.00 MB/s)" + System.lineSeparator(), out.toString());
    }
}
