package dev.webrepl.loadtest.generator;

import dev.webrepl.transport.client.ReplConnection;
import dev.webrepl.transport.client.TransferProgress;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;

/**
 * {@code put} and {@code get}: one file of {@code size} bytes moved again and again, the next
 * transfer as soon as the last one's final status came. A GET session first uploads the file it
 * will fetch (not counted). Each session uses one remote name, {@code webrepl-bench-put-N.bin} or
 * {@code webrepl-bench-get-N.bin}, so repeated runs overwrite instead of piling up.
 */
final class TransferWorker extends Worker {
    private final Path source;
    private final Path download;
    private final String remote;
    private long sentAt;

    /** @param source the local file of {@code size} bytes to upload, shared by every session of the run */
    TransferWorker(RunContext ctx, Scenario scenario, InetAddress source, int index, Path file) {
        super(ctx, scenario, source);
        if (scenario != Scenario.PUT && scenario != Scenario.GET) {
            throw new IllegalArgumentException(scenario.id());
        }
        this.source = file;
        this.download = ctx.workDir().resolve("get-" + index + ".bin");
        this.remote = "webrepl-bench-" + scenario.id() + "-" + index + ".bin";
    }

    @Override
    void onReady() {
        if (scenario == Scenario.GET) {
            // Setup: the file to fetch. Watched like a request, not counted as one.
            sent();
            connection().put(source, remote, TransferProgress.NONE).whenComplete((n, e) -> setUp(e));
        } else {
            next();
        }
    }

    private synchronized void setUp(Throwable e) {
        if (e != null) {
            failedTransfer(e);
            return;
        }
        answered();
        next();
    }

    private synchronized void next() {
        if (!mayContinue()) {
            return;
        }
        ReplConnection c = connection();
        long size = ctx.plan().size();
        sentAt = ctx.recorder().now();
        sent();
        ctx.recorder().request(scenario, 0);
        CompletableFuture<Long> transfer = scenario == Scenario.PUT
                ? c.put(source, remote, TransferProgress.NONE)
                : c.get(remote, download, TransferProgress.NONE);
        transfer.whenComplete((n, e) -> done(n, e, size));
    }

    private synchronized void done(Long bytes, Throwable e, long size) {
        if (e != null) {
            failedTransfer(e);
            return;
        }
        ctx.recorder().response(scenario);
        ctx.recorder().transferred(scenario, bytes);
        ctx.recorder().latency(ctx.recorder().now() - sentAt);
        if (bytes != size) {
            ctx.recorder().error("short transfer");
        }
        answered();
        next();
    }

    private void failedTransfer(Throwable e) {
        ReplConnection c = connection();
        if (c != null && c.isOpen()) {
            abort(kind(e));  // a refusal: the session is of no more use to this scenario
        }
        // otherwise the connection is gone, and the close handler counts the loss
    }
}
