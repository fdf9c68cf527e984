package dev.webrepl.loadtest.generator;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongFunction;

/**
 * {@code viewers}: a typing (or, with {@code --writer flood}, flooding: see {@link #viewersReached})
 * session and M read-only terminals attached to it. The writer starts only once every viewer has attached (or failed to), so
 * each viewer must see exactly the writer's output from then on; at the end the writer drains, each viewer waits for the same byte
 * count, then the viewers close, then the writer.
 */
final class ViewerGroup implements Unit {
    private final RunContext ctx;
    private final LongFunction<InetAddress> sources;
    private final long firstSource;
    private final CompletableFuture<Void> gate = new CompletableFuture<>();
    private final GatedWorker writer;
    private final List<ViewerWorker> viewers = new ArrayList<>();
    private final CompletableFuture<Void> finished = new CompletableFuture<>();
    private long writerBytes = -1;

    /** @param sources the source address of the group's n-th connection, from {@code firstSource} on */
    ViewerGroup(RunContext ctx, LongFunction<InetAddress> sources, long firstSource) {
        this.ctx = ctx;
        this.sources = sources;
        this.firstSource = firstSource;
        InetAddress source = sources.apply(firstSource);
        this.writer = ctx.plan().writer() == Scenario.FLOOD
                ? new FloodWorker(ctx, Scenario.VIEWERS, source, gate, this::writerDrained, this::viewersReached)
                : new TypingWorker(ctx, Scenario.VIEWERS, source, gate, this::writerDrained);
    }

    @Override
    public void start() {
        writer.ready().whenComplete((id, e) -> ctx.scheduler().execute(() -> attach(id, e)));
        writer.start();
        writer.finished().whenComplete((v, e) -> CompletableFuture.allOf(viewerFinishes())
                .whenComplete((x, y) -> finished.complete(null)));
    }

    private void attach(String id, Throwable e) {
        List<CompletableFuture<?>> attached = new ArrayList<>();
        synchronized (this) {
            if (e == null && id != null) {
                for (int i = 0; i < ctx.plan().viewers(); i++) {
                    ViewerWorker v = new ViewerWorker(ctx, sources.apply(firstSource + 1 + i), id);
                    viewers.add(v);
                    attached.add(v.ready().exceptionally(t -> null));
                }
            }
        }
        // Started outside the lock: a viewer's callbacks never wait for the group.
        List<ViewerWorker> started;
        synchronized (this) {
            started = List.copyOf(viewers);
        }
        started.forEach(ViewerWorker::start);
        CompletableFuture.allOf(attached.toArray(CompletableFuture[]::new)).whenComplete((v, t) -> gate.complete(null));
    }

    private void writerDrained(long bytes) {
        List<ViewerWorker> all;
        synchronized (this) {
            writerBytes = bytes;
            all = List.copyOf(viewers);
        }
        ctx.scheduler().execute(() -> {
            all.forEach(v -> v.expect(bytes));
            // Nobody leaves before every viewer has its count: a leaving terminal is announced to the others.
            CompletableFuture.allOf(all.stream().map(ViewerWorker::caughtUpOrGone).toArray(CompletableFuture[]::new))
                    .whenComplete((x, y) -> {
                        all.forEach(ViewerWorker::stop);
                        CompletableFuture.allOf(all.stream().map(ViewerWorker::finished)
                                .toArray(CompletableFuture[]::new)).whenComplete((v, e) -> writer.closeNow());
                    });
        });
    }

    /**
     * Completes once every viewer has seen {@code bytes}: a flooding writer waits for it before its
     * next command, so the group moves at its slowest viewer's pace and no viewer falls further
     * behind than one command (no viewer is cut off as a slow consumer, whatever the run's length).
     */
    private CompletableFuture<Void> viewersReached(long bytes) {
        return CompletableFuture.allOf(snapshot().stream().map(v -> v.reached(bytes)).toArray(CompletableFuture[]::new));
    }

    private synchronized CompletableFuture<?>[] viewerFinishes() {
        return viewers.stream().map(ViewerWorker::finished).toArray(CompletableFuture[]::new);
    }

    @Override
    public void stop() {
        writer.stop();
        gate.complete(null);
    }

    @Override
    public void watchdog(long now) {
        writer.watchdog(now);
        for (ViewerWorker v : snapshot()) {
            v.watchdog(now);
        }
    }

    @Override
    public void forceClose() {
        for (ViewerWorker v : snapshot()) {
            v.forceClose();
        }
        writer.forceClose();
    }

    @Override
    public CompletableFuture<Void> finished() {
        return finished;
    }

    private synchronized List<ViewerWorker> snapshot() {
        return List.copyOf(viewers);
    }

    /** The writer's output bytes once it drained, or -1 if it never did. */
    synchronized long writerBytes() {
        return writerBytes;
    }

    /** Each viewer's byte count when it closed after catching up, -1 for one that did not. */
    List<Long> viewerBytes() {
        return snapshot().stream().map(ViewerWorker::bytesAtClose).toList();
    }
}
