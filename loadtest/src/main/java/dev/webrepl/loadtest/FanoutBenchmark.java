package dev.webrepl.loadtest;

import dev.webrepl.transport.client.ReplConnection;
import dev.webrepl.transport.client.WebReplClient;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One session, T terminals: the first opens it, the others attach by id; then the session's engine
 * (a {@link FloodEngine} on the server) writes a fixed volume, and every terminal counts it. Reports
 * each terminal's rate. Loopback only.
 */
public final class FanoutBenchmark {
    private static final Pattern SESSION = Pattern.compile("/session/([A-Za-z0-9_-]{22})");

    /** Per-terminal rates of one run. */
    public record Result(int terminals, long bytesPerTerminal, List<Duration> times) {
        public double medianMegabytesPerSecond() {
            List<Duration> sorted = new ArrayList<>(times);
            sorted.sort(null);
            return rate(sorted.get(sorted.size() / 2));
        }

        public double slowestMegabytesPerSecond() {
            return rate(times.stream().max(Duration::compareTo).orElseThrow());
        }

        public double aggregateMegabytesPerSecond() {
            return terminals * slowestMegabytesPerSecond();
        }

        private double rate(Duration d) {
            return bytesPerTerminal / 1e6 / (d.toNanos() / 1e9);
        }
    }

    private FanoutBenchmark() {
    }

    /** Runs one measurement against a server whose sessions run a FloodEngine writing {@code bytes}. */
    public static Result run(WebReplClient client, int port, String password, int terminals, long bytes,
                             Duration timeout) throws IOException {
        List<ReplConnection> connections = new ArrayList<>();
        try {
            ReplConnection first = await(client.connect("127.0.0.1", port, password), timeout);
            connections.add(first);
            AtomicLong seen = new AtomicLong();
            StringBuilder banner = new StringBuilder();
            CompletableFuture<String> id = new CompletableFuture<>();
            List<CompletableFuture<Long>> done = new ArrayList<>();
            first.output().subscribe(b -> {
                if (!id.isDone()) {
                    banner.append(new String(b, StandardCharsets.ISO_8859_1));
                    Matcher m = SESSION.matcher(banner);
                    if (m.find()) {
                        id.complete(m.group(1));
                    }
                    return;
                }
                count(seen, b.length, bytes, done.get(0));
            });
            done.add(new CompletableFuture<>());
            String sessionId = await(id, timeout);
            for (int i = 1; i < terminals; i++) {
                ReplConnection c = await(client.connectPath("127.0.0.1", port, "/session/" + sessionId)
                        .thenCompose(conn -> conn.login(password).thenApply(v -> conn)), timeout);
                connections.add(c);
                AtomicLong n = new AtomicLong();
                CompletableFuture<Long> d = new CompletableFuture<>();
                StringBuilder head = new StringBuilder();
                boolean[] ready = new boolean[1];
                CompletableFuture<Void> attached = new CompletableFuture<>();
                c.output().subscribe(b -> {
                    if (!ready[0]) {
                        head.append(new String(b, StandardCharsets.ISO_8859_1));
                        if (head.indexOf("/session/" + sessionId + "\r\n") >= 0) {
                            ready[0] = true;
                            attached.complete(null);
                        }
                        return;
                    }
                    count(n, b.length, bytes, d);
                });
                await(attached, timeout);
                done.add(d);
            }
            long start = System.nanoTime();
            first.send("go\r");
            List<Duration> times = new ArrayList<>();
            for (CompletableFuture<Long> d : done) {
                times.add(Duration.ofNanos(await(d, timeout) - start));
            }
            return new Result(terminals, bytes, times);
        } finally {
            for (ReplConnection c : connections) {
                c.close();
            }
        }
    }

    private static void count(AtomicLong n, int len, long total, CompletableFuture<Long> done) {
        if (n.addAndGet(len) >= total) {
            done.complete(System.nanoTime());
        }
    }

    public static <T> T await(CompletableFuture<T> f, Duration timeout) throws IOException {
        try {
            return f.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IOException(e.getCause());
        } catch (java.util.concurrent.TimeoutException e) {
            throw new IOException("no result within " + timeout, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }
}
