package dev.webrepl.loadtest.generator;

import dev.webrepl.transport.client.WebReplClient;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.LongFunction;

/**
 * Runs one {@link LoadPlan} against a WebREPL server: starts the sessions evenly over the ramp-up,
 * lets them work for the duration, stops them (each finishes its outstanding request), and reports.
 *
 * <p>Threads: the client's event loops carry every connection (no thread per session); one
 * scheduler thread starts sessions, paces keys, takes the per-second snapshot and runs the
 * watchdog; the caller's thread only waits. Everything is bounded: each session's requests by count
 * and by the deadline, each answer by the request timeout, the end by the drain timeout, after
 * which whatever is still open is closed.
 */
public final class LoadGenerator {
    private static final long FORCED_CLOSE_WAIT_SECONDS = 10;

    private LoadGenerator() {
    }

    /**
     * @param trustedCertificates for a {@code wss://} target: PEM certificates to trust instead of the
     *                            JDK's certificate authorities (e.g. the server's self-signed one), or null
     * @param progress            receives one line a second (sessions up, errors, p50/p99, rates), or null
     */
    public static LoadReport run(LoadPlan plan, Path trustedCertificates, Consumer<String> progress)
            throws IOException, InterruptedException {
        plan.check();
        Consumer<String> lines = progress == null ? s -> { } : progress;
        Path work = Files.createTempDirectory("webrepl-bench");
        ScheduledThreadPoolExecutor scheduler = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "webrepl-bench");
            t.setDaemon(true);
            return t;
        });
        scheduler.setRemoveOnCancelPolicy(true);
        WebReplClient.Builder builder = WebReplClient.newBuilder()
                .eventLoopThreads(Math.max(1, Math.min(2, Runtime.getRuntime().availableProcessors())))
                .connectTimeout(plan.requestTimeout());
        if (plan.secure()) {
            if (trustedCertificates != null) {
                builder.tls(trustedCertificates);
            } else {
                builder.tls();
            }
        }
        try (WebReplClient client = builder.build()) {
            Instant startedAt = Instant.now();
            Recorder recorder = new Recorder(System::nanoTime);
            long start = recorder.now();
            long stopAt = start + plan.rampUp().toNanos() + plan.duration().toNanos();
            RunContext ctx = new RunContext(plan, client, recorder, scheduler, stopAt, work);
            Path file = needsFile(plan) ? writeFile(work.resolve("source.bin"), plan.size()) : null;

            List<Unit> units = new ArrayList<>();
            List<ViewerGroup> groups = new ArrayList<>();
            List<Scenario> assigned = plan.assignment();
            LongFunction<InetAddress> sources = n -> plan.sources() == null ? null : plan.sources().pick(n);
            long connection = 0;
            CompletableFuture<Void> open = CompletableFuture.completedFuture(null);  // no viewers to wait for
            for (int i = 0; i < assigned.size(); i++) {
                Scenario s = assigned.get(i);
                InetAddress source = sources.apply(connection);
                Unit u = switch (s) {
                    case IDLE -> new IdleWorker(ctx, source);
                    case TYPING -> new TypingWorker(ctx, Scenario.TYPING, source, open, null);
                    case FLOOD -> new FloodWorker(ctx, Scenario.FLOOD, source, open, null, null);
                    case PUT, GET -> new TransferWorker(ctx, s, source, i, file);
                    case VIEWERS -> {
                        ViewerGroup g = new ViewerGroup(ctx, sources, connection);
                        groups.add(g);
                        connection += plan.viewers();
                        yield g;
                    }
                    case MIXED -> throw new IllegalStateException("a mix assigns concrete scenarios");
                };
                connection++;
                units.add(u);
            }

            long rampUp = plan.rampUp().toNanos();
            for (int i = 0; i < units.size(); i++) {
                scheduler.schedule(units.get(i)::start, rampUp * i / units.size(), TimeUnit.NANOSECONDS);
            }
            long target = plan.connections();
            ScheduledFuture<?> ticker = scheduler.scheduleAtFixedRate(() -> {
                Recorder.Second s = recorder.tick();
                long now = recorder.now();
                units.forEach(u -> u.watchdog(now));
                lines.accept(progressLine(s, target));
            }, 1, 1, TimeUnit.SECONDS);
            scheduler.schedule(() -> listThenStop(plan, recorder, scheduler, units), stopAt - recorder.now(),
                    TimeUnit.NANOSECONDS);

            CompletableFuture<Void> all = CompletableFuture.allOf(units.stream().map(Unit::finished)
                    .toArray(CompletableFuture[]::new));
            long unfinished = 0;
            try {
                all.get(stopAt + plan.drainTimeout().toNanos() - recorder.now(), TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                scheduler.execute(() -> units.forEach(Unit::forceClose));
                try {
                    all.get(FORCED_CLOSE_WAIT_SECONDS, TimeUnit.SECONDS);
                } catch (TimeoutException stillOpen) {
                    unfinished = units.stream().filter(u -> !u.finished().isDone()).count();
                } catch (ExecutionException never) {
                    throw new IllegalStateException("a session's future failed", never.getCause());
                }
            } catch (ExecutionException e) {
                throw new IllegalStateException("a session's future failed", e.getCause());  // they only complete
            }
            ticker.cancel(false);
            try {
                scheduler.submit(recorder::finish).get();
            } catch (ExecutionException e) {
                throw new IllegalStateException(e.getCause());
            }
            return LoadReport.of(plan, startedAt, Instant.now(), recorder, groups, unfinished);
        } finally {
            scheduler.shutdownNow();
            scheduler.awaitTermination(10, TimeUnit.SECONDS);
            deleteTree(work);
        }
    }

    /**
     * With the JShell hint, asks the server for its sessions (SESSIONS, PROTOCOL.md §10) through one
     * ready session whose connection is still open and counts the hibernated ones, then stops every
     * unit; others stop at once.
     */
    private static void listThenStop(LoadPlan plan, Recorder recorder, ScheduledThreadPoolExecutor scheduler,
                                     List<Unit> units) {
        Runnable stop = () -> units.forEach(Unit::stop);
        dev.webrepl.transport.client.ReplConnection asking = plan.engineHint() != EngineHint.JSHELL ? null
                : units.stream().filter(u -> u instanceof Worker w && w.ready().isDone()
                        && !w.ready().isCompletedExceptionally() && w.connection() != null
                        // Not one the run closed (an error ended it): its connection cannot ask.
                        && w.connection().isOpen())
                .map(u -> ((Worker) u).connection()).findFirst().orElse(null);
        if (asking == null) {
            stop.run();
            return;
        }
        asking.sessions().orTimeout(plan.requestTimeout().toMillis(), TimeUnit.MILLISECONDS)
                .whenComplete((listed, e) -> {
                    if (listed != null) {
                        List<dev.webrepl.transport.client.ListedSession> jshell = listed.stream()
                                .filter(s -> s.engine().equals("jshell")).toList();
                        recorder.hibernatedAtEnd(jshell.stream().filter(s -> s.hibernated()).count(), jshell.size());
                    }
                    scheduler.execute(stop);
                });
    }

    public static String progressLine(Recorder.Second s, long target) {
        String latency = s.latencyCount() == 0 ? "p50 -, p99 -"
                : String.format("p50 %s, p99 %s", Millis.of(s.p50Micros()), Millis.of(s.p99Micros()));
        return String.format("%5.0fs  sessions %d/%d up  errors %d  %s  %d answers/s  %.2f MB/s",
                s.t(), s.sessionsUp(), target, s.errors(), latency, s.responses(), s.bytes() / 1e6);
    }

    private static boolean needsFile(LoadPlan plan) {
        return plan.scenario() == Scenario.PUT || plan.scenario() == Scenario.GET
                || (plan.scenario() == Scenario.MIXED
                && (plan.mix().getOrDefault(Scenario.PUT, 0) > 0 || plan.mix().getOrDefault(Scenario.GET, 0) > 0));
    }

    private static Path writeFile(Path path, long size) throws IOException {
        byte[] block = new byte[64 * 1024];
        for (int i = 0; i < block.length; i++) {
            block[i] = (byte) (i * 31 + (i >>> 8));
        }
        try (OutputStream out = Files.newOutputStream(path)) {
            for (long left = size; left > 0; left -= block.length) {
                out.write(block, 0, (int) Math.min(block.length, left));
            }
        }
        return path;
    }

    private static void deleteTree(Path dir) throws IOException {
        dev.webrepl.core.files.FileTrees.deleteTree(dir);
    }
}
