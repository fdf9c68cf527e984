package dev.webrepl.server;

import dev.webrepl.transport.client.TransferProgress;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * Shows a transfer's progress: a redrawn bar on stderr when a terminal is attached (with the rate so
 * far and the time left at that rate), nothing while it runs otherwise; always a summary line on
 * stdout at the end.
 */
final class TransferReport implements TransferProgress {
    private static final int BAR = 30;

    private final PrintWriter out;
    private final PrintWriter err;
    private final boolean terminal;
    private final String label;
    private final long startNanos;
    private final LongSupplier nanoClock;
    private long lastShown = -1;

    TransferReport(PrintWriter out, PrintWriter err, boolean terminal, String label, long startNanos) {
        this(out, err, terminal, label, startNanos, System::nanoTime);
    }

    TransferReport(PrintWriter out, PrintWriter err, boolean terminal, String label, long startNanos,
                   LongSupplier nanoClock) {
        this.out = out;
        this.err = err;
        this.terminal = terminal;
        this.label = label;
        this.startNanos = startNanos;
        this.nanoClock = nanoClock;
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
        double seconds = (nanoClock.getAsLong() - startNanos) / 1e9;
        double rate = seconds > 0 ? done / seconds : 0;
        String speed = rate > 0 ? String.format(Locale.ROOT, " %.1f MB/s", rate / 1e6) : " -- MB/s";
        if (total > 0) {
            int filled = (int) (BAR * done / total);
            String left = rate > 0 ? " " + duration((long) Math.ceil((total - done) / rate)) + " left" : " --:-- left";
            // Trailing spaces wipe what a longer line drawn before left on the terminal.
            err.printf("\r%s [%s%s] %3d%% %d/%d bytes%s%s   ", label, "=".repeat(filled), " ".repeat(BAR - filled),
                    done * 100 / total, done, total, speed, left);
        } else {
            err.printf("\r%s %d bytes%s   ", label, done, speed);
        }
        err.flush();
    }

    /** {@code m:ss}, or {@code h:mm:ss} from an hour on. */
    static String duration(long seconds) {
        long h = seconds / 3600;
        long m = seconds / 60 % 60;
        long s = seconds % 60;
        return h > 0 ? String.format(Locale.ROOT, "%d:%02d:%02d", h, m, s) : String.format(Locale.ROOT, "%d:%02d", m, s);
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
