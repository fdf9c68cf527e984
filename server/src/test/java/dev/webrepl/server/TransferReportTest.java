package dev.webrepl.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

/** The CLI's progress: a bar on a terminal, plain lines otherwise. */
class TransferReportTest {
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private TransferReport report(boolean terminal) {
        return new TransferReport(new PrintWriter(out), new PrintWriter(err), terminal, "put a -> h:1:/b", 0);
    }

    @Test
    void onATerminalABarIsRedrawnOncePerPercentThenEndedWithANewline() {
        TransferReport r = report(true);
        r.update(0, 100);
        r.update(50, 100);
        r.update(50, 100);   // same percent: no redraw
        r.update(100, 100);
        r.finish(2_000_000, 1_000_000_000L);

        assertEquals("\rput a -> h:1:/b [" + " ".repeat(30) + "]   0% 0/100 bytes"
                + "\rput a -> h:1:/b [" + "=".repeat(15) + " ".repeat(15) + "]  50% 50/100 bytes"
                + "\rput a -> h:1:/b [" + "=".repeat(30) + "] 100% 100/100 bytes"
                + System.lineSeparator(), err.toString());
        assertEquals("put a -> h:1:/b: 2000000 bytes in 1.000 s (2.00 MB/s)" + System.lineSeparator(), out.toString());
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
