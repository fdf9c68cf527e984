package dev.webrepl.engines.process;

import static org.junit.jupiter.api.Assertions.fail;

import dev.webrepl.core.engine.EngineContext;
import dev.webrepl.core.engine.EngineOutput;
import dev.webrepl.core.engine.Pausable;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Sinks;

/** A session as the engine sees it: input we push, output we collect, the end we await. */
final class FakeContext implements EngineContext {
    static final Duration TIMEOUT = Duration.ofSeconds(15);
    private static final long POLL_MILLIS = 5;

    private final Sinks.Many<byte[]> input = Sinks.many().unicast().onBackpressureBuffer();
    private final AtomicLong requested = new AtomicLong();
    private final AtomicLong delivered = new AtomicLong();
    private final AtomicLong maxOutstanding = new AtomicLong();
    private final ByteArrayOutputStream output = new ByteArrayOutputStream();
    private final AtomicLong outputBytes = new AtomicLong();
    final AtomicReference<Pausable> pausable = new AtomicReference<>();
    final CompletableFuture<Integer> exited = new CompletableFuture<>();
    final CompletableFuture<Throwable> failed = new CompletableFuture<>();
    final CompletableFuture<String> limitReached = new CompletableFuture<>();
    /** The session's directory; the engine starts its program here. */
    volatile java.nio.file.Path workingDirectory = java.nio.file.Path.of("").toAbsolutePath();

    @Override
    public String sessionId() {
        return "test";
    }

    @Override
    public java.nio.file.Path workingDirectory() {
        return workingDirectory;
    }

    @Override
    public Flux<byte[]> input() {
        return input.asFlux()
                .doOnRequest(n -> maxOutstanding.accumulateAndGet(requested.addAndGet(n) - delivered.get(), Math::max))
                .doOnNext(b -> delivered.incrementAndGet());
    }

    @Override
    public EngineOutput output() {
        return new EngineOutput() {
            @Override
            public void write(byte[] bytes) {
                synchronized (output) {
                    output.writeBytes(bytes);
                }
                outputBytes.addAndGet(bytes.length);
                onOutput.run();
            }

            @Override
            public WriteResult tryWrite(byte[] bytes) {
                write(bytes);
                return WriteResult.WRITTEN;
            }

            @Override
            public void writeBlocking(byte[] bytes) {
                write(bytes);
            }
        };
    }

    @Override
    public void pausable(Pausable producer) {
        pausable.set(producer);
    }

    /** Run (on the engine's thread) when the engine says it is ready; its answer is kept in {@link #readyNote}. */
    volatile java.util.function.Supplier<String> onReady = () -> "ready";
    final CompletableFuture<String> readyNote = new CompletableFuture<>();

    @Override
    public void ready() {
        readyNote.complete(onReady.get());
    }

    /** Run on the engine's output thread after each write (a session may end its engine there). */
    volatile Runnable onOutput = () -> { };

    /** Run on the thread that reports the exit, before it is noted (a session ends its engine there). */
    volatile Runnable onExit = () -> { };

    @Override
    public void exited(int status) {
        onExit.run();
        exited.complete(status);
    }

    @Override
    public void failed(Throwable error) {
        failed.complete(error);
    }

    @Override
    public void limitReached(String reason) {
        limitReached.complete(reason);
    }

    void type(String s) {
        type(s.getBytes(StandardCharsets.UTF_8));
    }

    void type(byte... bytes) {
        Sinks.EmitResult r = input.tryEmitNext(bytes);
        if (r.isFailure()) {
            fail("input not accepted: " + r);
        }
    }

    /** Most input chunks ever requested and not yet delivered. */
    long maxOutstandingDemand() {
        return maxOutstanding.get();
    }

    /** Input chunks handed to the engine so far. */
    long delivered() {
        return delivered.get();
    }

    long outputBytes() {
        return outputBytes.get();
    }

    String text() {
        synchronized (output) {
            return output.toString(StandardCharsets.UTF_8);
        }
    }

    /** How many times {@code s} occurs in the output so far. */
    int count(String s) {
        String text = text();
        int n = 0;
        for (int i = text.indexOf(s); i >= 0; i = text.indexOf(s, i + s.length())) {
            n++;
        }
        return n;
    }

    void awaitOutput(String expected) {
        await(() -> text().contains(expected), () -> "output containing " + show(expected) + ", got " + show(tail()));
    }

    /** Polls {@code condition} until it holds; failing after {@link #TIMEOUT}. */
    static void await(BooleanSupplier condition, java.util.function.Supplier<String> what) {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                fail("timed out after " + TIMEOUT + " waiting for " + what.get());
            }
            try {
                Thread.sleep(POLL_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                fail("interrupted waiting for " + what.get());
            }
        }
    }

    private String tail() {
        String s = text();
        return s.length() > 2000 ? "..." + s.substring(s.length() - 2000) : s;
    }

    static String show(String s) {
        return "\"" + s.replace("\r", "\\r").replace("\n", "\\n").replace("\u001b", "\\e") + "\"";
    }
}
