package dev.webrepl.loadtest;

import dev.webrepl.transport.client.ReplConnection;
import dev.webrepl.transport.client.TransferProgress;
import dev.webrepl.transport.client.WebReplClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Times PUT and GET of one file against a WebREPL server, and checks every transfer byte for byte
 * (a benchmark that moved wrong bytes fast would prove nothing). Loopback targets only: the caller
 * passes the address of a server it started.
 */
public final class TransferBenchmark {
    /** One timed transfer. */
    public record Measurement(String operation, long bytes, Duration elapsed) {
        public double megabytesPerSecond() {
            return bytes / 1e6 / (elapsed.toNanos() / 1e9);
        }
    }

    /** The median of several rounds of the same transfer, and the spread. */
    public record Summary(String operation, long bytes, List<Measurement> rounds) {
        public Measurement median() {
            List<Measurement> sorted = new ArrayList<>(rounds);
            sorted.sort(Comparator.comparing(Measurement::elapsed));
            return sorted.get(sorted.size() / 2);
        }

        public double minMegabytesPerSecond() {
            return rounds.stream().mapToDouble(Measurement::megabytesPerSecond).min().orElse(0);
        }

        public double maxMegabytesPerSecond() {
            return rounds.stream().mapToDouble(Measurement::megabytesPerSecond).max().orElse(0);
        }
    }

    private final WebReplClient client;
    private final String host;
    private final int port;
    private final String password;
    private final Duration timeout;

    public TransferBenchmark(WebReplClient client, String host, int port, String password, Duration timeout) {
        if (!host.startsWith("127.") && !host.equals("localhost") && !host.equals("::1")) {
            throw new IllegalArgumentException("benchmarks target loopback only, not " + host);
        }
        this.client = client;
        this.host = host;
        this.port = port;
        this.password = password;
        this.timeout = timeout;
    }

    /** Uploads {@code local} as {@code remote} {@code rounds} times; {@code stored} is where the server keeps it. */
    public Summary put(Path local, String remote, Path stored, int rounds) throws IOException {
        List<Measurement> all = new ArrayList<>();
        long size = Files.size(local);
        for (int i = 0; i < rounds; i++) {
            try (ReplConnection c = connect()) {
                long start = System.nanoTime();
                await(c.put(local, remote, TransferProgress.NONE));
                all.add(new Measurement("put", size, Duration.ofNanos(System.nanoTime() - start)));
            }
            requireSame(local, stored);
        }
        return new Summary("put", size, all);
    }

    /** Downloads {@code remote} into {@code local} {@code rounds} times and compares it with {@code expected}. */
    public Summary get(String remote, Path local, Path expected, int rounds) throws IOException {
        List<Measurement> all = new ArrayList<>();
        long size = Files.size(expected);
        for (int i = 0; i < rounds; i++) {
            Files.deleteIfExists(local);
            try (ReplConnection c = connect()) {
                long start = System.nanoTime();
                await(c.get(remote, local, TransferProgress.NONE));
                all.add(new Measurement("get", size, Duration.ofNanos(System.nanoTime() - start)));
            }
            requireSame(expected, local);
        }
        return new Summary("get", size, all);
    }

    private ReplConnection connect() throws IOException {
        return await(client.connect(host, port, password));
    }

    private static void requireSame(Path a, Path b) throws IOException {
        long at = Files.mismatch(a, b);
        if (at != -1) {
            throw new IOException("transfer corrupted: " + a + " and " + b + " differ at byte " + at);
        }
    }

    private <T> T await(java.util.concurrent.CompletableFuture<T> f) throws IOException {
        try {
            return f.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
        } catch (TimeoutException e) {
            throw new IOException("transfer did not finish within " + timeout, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }
}
