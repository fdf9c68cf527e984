package dev.webrepl.loadtest.generator;

import java.net.InetAddress;
import java.util.concurrent.CompletableFuture;

/**
 * A read-only terminal attached to a watched session ({@code /session/ID?mode=view}): counts the
 * output it receives after its session line; at the end, notes its count once it has seen as much
 * as the writer.
 */
final class ViewerWorker extends Worker {
    private final String sessionId;
    private long bytes;
    private long expected = -1;
    private long bytesAtClose = -1;
    private final CompletableFuture<Void> caughtUp = new CompletableFuture<>();
    /** What {@link #reached} waits for: a byte count (none: MAX_VALUE), and the future it completes. */
    private long target = Long.MAX_VALUE;
    private CompletableFuture<Void> reached;

    ViewerWorker(RunContext ctx, InetAddress source, String sessionId) {
        super(ctx, Scenario.VIEWERS, source);
        this.sessionId = sessionId;
        finished().whenComplete((v, e) -> release());  // a viewer that is gone holds nobody up
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
        if (bytes >= target) {
            release();
        }
        if (expected >= 0 && waiting() && bytes >= expected) {
            caughtUp();
        }
    }

    /**
     * Completes once this viewer has seen {@code count} bytes, or is gone (so a lost viewer never
     * holds the group up). One wait at a time: the writer's next command waits for it.
     */
    synchronized CompletableFuture<Void> reached(long count) {
        if (bytes >= count || finished().isDone()) {
            return CompletableFuture.completedFuture(null);
        }
        target = count;
        reached = new CompletableFuture<>();
        return reached;
    }

    /** Completes the wait of {@link #reached}, if there is one. */
    private synchronized void release() {
        CompletableFuture<Void> r = reached;
        reached = null;
        target = Long.MAX_VALUE;
        if (r != null) {
            r.complete(null);
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
