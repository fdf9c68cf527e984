package dev.webrepl.loadtest.generator;

import java.net.InetAddress;
import java.util.concurrent.CompletableFuture;

/**
 * A read-only terminal attached to a typing session ({@code /session/ID?mode=view}): counts the
 * output it receives after its session line; at the end, notes its count once it has seen as much
 * as the writer.
 */
final class ViewerWorker extends Worker {
    private final String sessionId;
    private long bytes;
    private long expected = -1;
    private long bytesAtClose = -1;
    private final CompletableFuture<Void> caughtUp = new CompletableFuture<>();

    ViewerWorker(RunContext ctx, InetAddress source, String sessionId) {
        super(ctx, Scenario.VIEWERS, source);
        this.sessionId = sessionId;
    }

    @Override
    String path() {
        return "/session/" + sessionId + "?mode=view";
    }

    @Override
    void onReady() {
        // only counts
    }

    @Override
    void onOutput(byte[] b, int from) {
        bytes += b.length - from;
        if (expected >= 0 && waiting() && bytes >= expected) {
            caughtUp();
        }
    }

    /**
     * The writer has stopped after {@code writerBytes} bytes of output: note the count once as many
     * arrived. The viewer stays open: a terminal that leaves makes the server tell the others
     * ({@code dupterm: terminal N deactivated}), which would add to their counts.
     */
    synchronized void expect(long writerBytes) {
        expected = writerBytes;
        if (bytes >= expected || connection() == null) {
            caughtUp();
        } else {
            sent();  // the rest of the writer's output is the outstanding answer (watched by the watchdog)
        }
    }

    private void caughtUp() {
        if (bytesAtClose < 0) {
            bytesAtClose = bytes;
        }
        if (waiting()) {
            answered();
        }
        caughtUp.complete(null);
    }

    /** Completes once {@link #expect} was met (or the viewer is gone). */
    CompletableFuture<Void> caughtUpOrGone() {
        return CompletableFuture.anyOf(caughtUp, finished()).thenApply(x -> null);
    }

    /** Output bytes seen when it had caught up after {@link #expect}, or -1 if it never did. */
    synchronized long bytesAtClose() {
        return bytesAtClose;
    }
}
