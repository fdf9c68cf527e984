package dev.webrepl.server;

import dev.webrepl.transport.client.TransferProgress;
import java.io.PrintWriter;
import java.util.Locale;

/**
 * Shows a transfer's progress: a redrawn bar on stderr when a terminal is attached, nothing while it
 * runs otherwise; always a summary line on stdout at the end.
 */
final class TransferReport implements TransferProgress {
    private static final int BAR = 30;

    private final PrintWriter out;
    private final PrintWriter err;
    private final boolean terminal;
    private final String label;
    private final long startNanos;
    private long lastShown = -1;

    TransferReport(PrintWriter out, PrintWriter err, boolean terminal, String label, long startNanos) {
        this.out = out;
        this.err = err;
        this.terminal = terminal;
        this.label = label;
        this.startNanos = startNanos;
    }

    @Override
    public void update(long done, long total) {
        if (!terminal) {
            return;
        }
        // Redraw at most once per percent (or per 64 KiB when the total is unknown).
        long step = total > 0 ? done * 100 / total : done >> 16;
        if (step == lastShown) {
            return;
        }
        lastShown = step;
        if (total > 0) {
            int filled = (int) (BAR * done / total);
            err.printf("\r%s [%s%s] %3d%% %d/%d bytes", label, "=".repeat(filled), " ".repeat(BAR - filled),
                    done * 100 / total, done, total);
        } else {
            err.printf("\r%s %d bytes", label, done);
        }
        err.flush();
    }

    /** Ends the bar and prints {@code LABEL: N bytes in T s (X MB/s)}. */
    void finish(long bytes, long endNanos) {
        if (terminal && lastShown >= 0) {
            err.println();
            err.flush();
        }
        double seconds = Math.max(1e-9, (endNanos - startNanos) / 1e9);
        out.println(String.format(Locale.ROOT, "%s: %d bytes in %.3f s (%.2f MB/s)", label, bytes, seconds,
                bytes / seconds / 1e6));
        out.flush();
    }
}
