package dev.webrepl.loadtest.generator;

import java.net.InetAddress;

/**
 * A read-only terminal attached to a typing session ({@code /session/ID?mode=view}): counts the
 * output it receives after its session line, and closes once it has seen as much as the writer.
 */
final class ViewerWorker extends Worker {
    private final String sessionId;
    private long bytes;
    private long expected = -1;
    private long bytesAtClose = -1;

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
        if (expected >= 0 && bytes >= expected) {
            answered();
        }
    }

    /** The writer has stopped after {@code writerBytes} bytes of output: close once as many arrived. */
    synchronized void expect(long writerBytes) {
        expected = writerBytes;
        if (bytes < expected && connection() != null) {
            sent();  // the rest of the writer's output is the outstanding answer (watched by the watchdog)
        }
        stop();  // closes now if nothing is outstanding, else once the rest arrived
    }

    @Override
    void drained() {
        if (expected >= 0 && bytesAtClose < 0) {
            bytesAtClose = bytes;
        }
        closeNow();
    }

    /** Output bytes seen when it closed after {@link #expect}, or -1 if it never got that far. */
    synchronized long bytesAtClose() {
        return bytesAtClose;
    }
}
